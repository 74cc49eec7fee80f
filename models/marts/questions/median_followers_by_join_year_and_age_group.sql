{#
    Question 8. One row per age group and join year (2015-2020, named post_year): the exact
    median follower count of those people.
#}
with

people as (
    select * from {{ ref('dim_people') }}
),

final as (
    select
        age_group,
        cast(join_year as int) as post_year,
        cast({{ exact_median('follower_count') }} as double) as median_follower_count
    from people
    where
        join_year between 2015 and 2020
        and age_group is not null
        and follower_count is not null
    group by age_group, join_year
)

select * from final
