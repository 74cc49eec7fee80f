{#
    seeds/categories.csv and the contract's categories (var contract.categories, which the
    contract check uses) list the same categories. Fails with every category in one but not
    the other.
#}
with

seeded as (
    select category from {{ ref('categories') }}
),

in_contract as (
    select contract_list.category from (
        values
        {%- for category in var('contract')['categories'] %}
            ('{{ category }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as contract_list (category)
),

final as (
    select
        'only in seed' as found,
        category
    from (
        select * from seeded
        except
        select * from in_contract
    ) as only_in_seed
    union all
    select
        'only in contract' as found,
        category
    from (
        select * from in_contract
        except
        select * from seeded
    ) as only_in_contract
)

select * from final
