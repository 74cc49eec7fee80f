{#
    Question 6. One row per join year (2015-2020, named post_year as the brief asks): the
    number of distinct people who joined that year.
#}
with

people as (
    select * from {{ ref('dim_people') }}
),

final as (
    select
        cast(join_year as int) as post_year,
        cast(count(distinct person_id) as bigint) as number_users_joined
    from people
    where join_year between 2015 and 2020
    group by join_year
)

select * from final
