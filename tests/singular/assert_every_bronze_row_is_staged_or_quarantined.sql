{#
    Nothing is dropped silently: for every bronze table, the rows parsed (base models) equal
    the rows staged plus the rows quarantined. Fails with the table whose counts differ.
#}
{%- set tables = [
    ('batch', 'pin', 'pins'), ('batch', 'geo', 'geolocations'), ('batch', 'user', 'users'),
    ('stream', 'pin', 'pins'), ('stream', 'geo', 'geolocations'), ('stream', 'user', 'users'),
] -%}

with

quarantined as (
    select * from {{ ref('stg_pinterest__quarantined_records') }}
),

counts as (
    {%- for layer, entity, plural in tables %}
        select
            '{{ layer }}_{{ entity }}' as bronze_table,
            (select count(*) from {{ source('pinterest', layer ~ '_' ~ entity) }}) as bronze_rows,
            (select count(*) from {{ ref('stg_pinterest__' ~ layer ~ '_' ~ plural) }}
            ) as staged_rows,
            (
                select count(*) from quarantined
                where source_layer = '{{ layer }}' and entity = '{{ entity }}'
            ) as quarantined_rows
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from counts
    where bronze_rows != staged_rows + quarantined_rows
)

select * from final
