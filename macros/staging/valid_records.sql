{#
    The body of a staging view `stg_pinterest__<layer>_<entity>s`: the rows of its base model
    that keep the contract (reject_reason is null), with the staged columns and the transport
    columns. The rows that break it are in stg_pinterest__quarantined_records. Tagged with
    its layer (selectors.yml).
#}
{% macro valid_records(layer, entity) -%}
    {{ config(tags=[layer]) }}
    {%- set columns = contract_entry('entities', entity)['columns'] -%}
    with

    parsed as (
        select * from {{ ref(layer_model('base', layer, entity)) }}
    ),

    valid as (
        select
            {% for column in columns %}`{{ column }}`,
            {% endfor %}record_id,
            source_layer,
            received_at,
            landed_at
        from parsed
        where reject_reason is null
    ),

    final as (
        select * from valid
    )

    select * from final
{%- endmacro %}
