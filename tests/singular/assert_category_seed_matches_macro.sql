{#
    seeds/categories.csv and the macro pin_categories() (which the contract check uses)
    list the same categories. Fails with every category in one but not the other.
#}
with

seeded as (
    select category from {{ ref('categories') }}
),

in_macro as (
    select macro_list.category from (
        values
        {%- for category in pin_categories() %}
            ('{{ category }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as macro_list (category)
),

final as (
    select
        'only in seed' as found,
        category
    from (
        select * from seeded
        except
        select * from in_macro
    ) as only_in_seed
    union all
    select
        'only in macro' as found,
        category
    from (
        select * from in_macro
        except
        select * from seeded
    ) as only_in_macro
)

select * from final
