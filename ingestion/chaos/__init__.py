"""The reliability suite behind ``pinpipe chaos``: records sent through the gateway while
services and landing jobs are killed, then every record accounted for.

- ``plan``: sizes, rates and the fault schedule;
- ``isolation``: the run's own state dir, ports, topic and stream names;
- ``records``: the tagged records (the emulator's sampling, in memory);
- ``lanes``: paced sending through the product's sender, one outcome per record;
- ``landing``: ``pinpipe land`` as a child process to kill and restart;
- ``faults``: the fault tracks and their timeline;
- ``bad_input``: hand-made bad requests and records with their expected fate;
- ``tables``, ``transport_check``: reading bronze, dbt tables, Kafka and kinesis-local;
- ``accounting``, ``report``: the counts and the verdict;
- ``run``: one run from start to end;
- ``hogs``: CPU hogs, a busy machine for the landing test and bench.
"""
