{#
    Registers the bronze Delta tables that the landing jobs write by path as external tables
    where the `pinterest` sources name them (schema PINPIPE_BRONZE_SCHEMA, default `bronze`). Runs on-run-start for the local target
    only (var register_bronze); on Databricks the bronze tables are real tables already.
    An empty location gets an empty table with the bronze columns, which the landing jobs
    then append to.
#}
{% macro bronze_columns() %}
    {{ return({
        'batch': 'value string, topic string, partition int, offset bigint, kafka_timestamp timestamp, landed_at timestamp',
        'stream': 'data string, stream string, shard_id string, sequence_number string, partition_key string, arrived_at timestamp, landed_at timestamp',
    }) }}
{% endmacro %}

{% macro register_bronze_tables() %}
    {% if execute and var('register_bronze') | string | lower == 'true' %}
        {% set tables = graph.sources.values() | selectattr('source_name', 'equalto', 'pinterest') | list %}
        {% for schema in tables | map(attribute='schema') | unique %}
            {% do run_query('create schema if not exists ' ~ schema) %}
        {% endfor %}
        {% for table in tables %}
            {% set layer = table.name.split('_')[0] %}
            {% do run_query(
                'create table if not exists ' ~ table.schema ~ '.' ~ table.identifier
                ~ ' (' ~ bronze_columns()[layer] ~ ') using delta location '
                ~ "'" ~ var('lake_dir') ~ '/bronze/' ~ table.name ~ "'"
            ) %}
        {% endfor %}
    {% endif %}
{% endmacro %}
