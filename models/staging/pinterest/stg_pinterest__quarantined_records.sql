{#
    One row per bronze record, from either layer and any entity, that could not be parsed
    or breaks the record contract, with the reason. Nothing is dropped silently: every
    bronze row is either here or in its stg_pinterest__<layer>_<entity>s model. A table,
    not a view, so monitoring and alerting read it without re-scanning the base models.
#}
{{ config(materialized='table') }}

{%- set parts = layer_models('base') %}

with

{% for layer, entity, model in parts %}
    {{ model }} as (
        select * from {{ ref(model) }}
    ),
{% endfor %}

rejected as (
    {%- for layer, entity, model in parts %}
        select
            source_layer,
            '{{ entity }}' as entity,
            record_id,
            raw_text,
            reject_reason,
            received_at,
            landed_at
        from {{ model }}
        where reject_reason is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from rejected
)

select * from final
