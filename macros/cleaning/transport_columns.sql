{#
    The transport metadata of a bronze row, the same four columns for every layer (the
    contract's layers name their bronze columns): record_id (the transport id:
    `topic/partition/offset` for Kafka, `stream/shard_id/sequence_number` for Kinesis),
    received_at (broker or stream arrival time), landed_at (when the landing job wrote the
    row), and source_layer.
#}
{% macro transport_columns(layer) -%}
    {%- set spec = contract_entry('layers', layer) -%}
    {%- set id_parts = [] -%}
    {%- for column in spec['record_id'] -%}
        {%- do id_parts.append('cast(`' ~ column ~ '` as string)') -%}
    {%- endfor -%}
    concat_ws('/', {{ id_parts | join(', ') }}) as record_id,
    `{{ spec['received_at'] }}` as received_at,
    landed_at,
    '{{ layer }}' as source_layer
{%- endmacro %}
