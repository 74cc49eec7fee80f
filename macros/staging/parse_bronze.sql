{#
    The body of a base model `base_pinterest__<layer>_<entity>s`: one row per bronze row of
    that layer and entity, the JSON text parsed against the contract's fields, every staged
    column cleaned by its rule (clean_column), and the contract checked (reject_reason).
    Incremental append: each run parses only the rows landed after the latest landed_at
    already parsed (landing stamps one landed_at per micro-batch, rising), so every bronze row
    is parsed once and a second run adds nothing. Tagged with its layer (selectors.yml).
#}
{% macro parse_bronze(layer, entity) -%}
    {{ config(materialized='incremental', incremental_strategy='append', tags=[layer]) }}
    {%- set parsed_until -%}
        (select coalesce(max(parsed.landed_at), timestamp '1970-01-01') from {{ this }} as parsed)
    {%- endset %}
    {{ parsed_bronze_rows(layer, entity, parsed_until if is_incremental() else none) }}
{%- endmacro %}

{#
    The query of parse_bronze: the bronze rows of a layer and entity, parsed, cleaned and
    checked; only those landed after `landed_after` (a SQL expression) when it is given. The
    serving views run it at query time on the stream rows the merge has not seen yet.
#}
{% macro parsed_bronze_rows(layer, entity, landed_after=none) -%}
    {%- set columns = contract_entry('entities', entity)['columns'] -%}
    {%- set raw_text = contract_entry('layers', layer)['raw_text'] -%}
    with

    source as (
        select * from {{ source('pinterest', layer ~ '_' ~ entity) }} as bronze
        where {{ 'true' if landed_after is none else 'bronze.landed_at > ' ~ landed_after }}
    ),

    received as (
        select
            {{ transport_columns(layer) }},
            `{{ raw_text }}` as raw_text,
            json_object_keys(`{{ raw_text }}`) as record_keys,
            {{ parse_record('`' ~ raw_text ~ '`', entity) }} as record
        from source
    ),

    cleaned as (
        select
            {% for column, rule in columns.items() %}{{ clean_column(rule) }} as `{{ column }}`,
            {% endfor %}record_id,
            source_layer,
            received_at,
            landed_at,
            {{ reject_reason(entity) }} as reject_reason,
            raw_text
        from received
    ),

    final as (
        select
            {% for column in columns %}`{{ column }}`,
            {% endfor %}record_id,
            source_layer,
            received_at,
            landed_at,
            reject_reason,
            {# the raw text is kept only where quarantine needs it #}
            case when reject_reason is not null then raw_text end as raw_text
        from cleaned
    )

    select * from final
{%- endmacro %}
