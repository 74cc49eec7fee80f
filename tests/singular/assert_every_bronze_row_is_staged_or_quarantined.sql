{#
    Nothing is dropped silently: for every bronze table of the contract (layer x entity), the
    rows in bronze equal the rows staged plus the rows quarantined. Fails with the table whose
    counts differ.
#}
{%- set tables = layer_models('stg') %}

with

bronze as (
    {%- for layer, entity, staged_model in tables %}
        select
            '{{ layer }}_{{ entity }}' as bronze_table,
            count(*) as bronze_rows
        from {{ source('pinterest', layer ~ '_' ~ entity) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

staged as (
    {%- for layer, entity, staged_model in tables %}
        select
            '{{ layer }}_{{ entity }}' as bronze_table,
            count(*) as staged_rows
        from {{ ref(staged_model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

quarantined as (
    select
        concat(source_layer, '_', entity) as bronze_table,
        count(*) as quarantined_rows
    from {{ ref('stg_pinterest__quarantined_records') }}
    group by source_layer, entity
),

counts as (
    select
        bronze.bronze_table,
        bronze.bronze_rows,
        coalesce(staged.staged_rows, 0) as staged_rows,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows
    from bronze
    left join staged on bronze.bronze_table = staged.bronze_table
    left join quarantined on bronze.bronze_table = quarantined.bronze_table
),

final as (
    select * from counts
    where bronze_rows != staged_rows + quarantined_rows
)

select * from final
