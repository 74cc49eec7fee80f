{#
    seeds/placeholder_values.csv and the macro placeholder_values() (which the cleaning
    uses) list the same (column, placeholder) pairs. Fails with every pair in one but not
    the other.
#}
with

seeded as (
    select
        column_name,
        placeholder_value
    from {{ ref('placeholder_values') }}
),

in_macro as (
    select
        macro_list.column_name,
        macro_list.placeholder_value
    from (
        values
        {%- for column_name, values in placeholder_values().items() %}
            {%- set last_column = loop.last %}
            {%- for value in values %}
                ('{{ column_name }}', '{{ value | replace("'", "''") }}')
                {{- ',' if not (last_column and loop.last) }}
            {%- endfor %}
        {%- endfor %}
    ) as macro_list (column_name, placeholder_value)
),

only_in_seed as (
    select * from seeded
    except
    select * from in_macro
),

only_in_macro as (
    select * from in_macro
    except
    select * from seeded
),

final as (
    select
        'only in seed' as found,
        column_name,
        placeholder_value
    from only_in_seed
    union all
    select
        'only in macro' as found,
        column_name,
        placeholder_value
    from only_in_macro
)

select * from final
