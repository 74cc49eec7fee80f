{#
    seeds/placeholder_values.csv and the contract's placeholders (var contract.placeholders,
    which the cleaning uses) list the same (column, placeholder) pairs. Fails with every pair
    in one but not the other.
#}
with

seeded as (
    select
        column_name,
        placeholder_value
    from {{ ref('placeholder_values') }}
),

in_contract as (
    select
        contract_list.column_name,
        contract_list.placeholder_value
    from (
        values
        {%- for column_name, values in var('contract')['placeholders'].items() %}
            {%- set last_column = loop.last %}
            {%- for value in values %}
                ('{{ column_name }}', '{{ value | replace("'", "''") }}')
                {{- ',' if not (last_column and loop.last) }}
            {%- endfor %}
        {%- endfor %}
    ) as contract_list (column_name, placeholder_value)
),

only_in_seed as (
    select * from seeded
    except
    select * from in_contract
),

only_in_contract as (
    select * from in_contract
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
        'only in contract' as found,
        column_name,
        placeholder_value
    from only_in_contract
)

select * from final
