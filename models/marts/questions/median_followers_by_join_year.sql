{#
    Question 7. One row per join year (2015-2020, named post_year): the exact median
    follower count of the people who joined that year.
#}
with

people as (
    select * from {{ ref('dim_people') }}
),

final as (
    select
        cast(join_year as int) as post_year,
        cast({{ exact_median('follower_count') }} as double) as median_follower_count
    from people
    where
        join_year between 2015 and 2020
        and follower_count is not null
    group by join_year
)

select * from final
