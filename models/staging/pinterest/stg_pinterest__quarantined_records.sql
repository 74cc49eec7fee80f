{#
    One row per bronze record, from either layer and any entity, that could not be parsed
    or breaks the record contract, with the reason. Nothing is dropped silently: every
    bronze row is either here or in its stg_pinterest__<layer>_<entity>s model. A table,
    not a view, so monitoring and alerting read it without re-scanning the base models.
#}
{{ config(materialized='table') }}

{%- set base_models = {
    'pin': ['base_pinterest__batch_pins', 'base_pinterest__stream_pins'],
    'geo': ['base_pinterest__batch_geolocations', 'base_pinterest__stream_geolocations'],
    'user': ['base_pinterest__batch_users', 'base_pinterest__stream_users'],
} -%}

with

{% for entity, models in base_models.items() %}
    {%- for model in models %}
        {{ model }} as (
            select * from {{ ref(model) }}
        ),
    {% endfor -%}
{% endfor %}

rejected as (
    {%- for entity, models in base_models.items() %}
        {%- for model in models %}
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
            {%- if not loop.last or entity != 'user' %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
),

final as (
    select * from rejected
)

select * from final
