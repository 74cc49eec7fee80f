{#
    The transport metadata of a bronze row, the same four columns for both layers:
    record_id (the transport id: `topic/partition/offset` for Kafka,
    `stream/shard_id/sequence_number` for Kinesis), received_at (broker or stream arrival
    time), landed_at (when the landing job wrote the row), and source_layer.
#}
{% macro transport_columns(layer) -%}
    {%- if layer == 'batch' -%}
        concat_ws('/', topic, cast(partition as string), cast(offset as string)) as record_id,
        kafka_timestamp as received_at,
        landed_at,
        'batch' as source_layer
    {%- elif layer == 'stream' -%}
        concat_ws('/', stream, shard_id, sequence_number) as record_id,
        arrived_at as received_at,
        landed_at,
        'stream' as source_layer
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "transport_columns: layer must be batch or stream, got '" ~ layer ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- the raw text column of a bronze table -#}
{% macro raw_text_column(layer) -%}
    {{- 'value' if layer == 'batch' else 'data' -}}
{%- endmacro %}
