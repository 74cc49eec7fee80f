{# Question 5. One row per age group: the exact median follower count of its people. #}
with

people as (
    select * from {{ ref('dim_people') }}
),

final as (
    select
        age_group,
        cast({{ exact_median('follower_count') }} as double) as median_follower_count
    from people
    where
        age_group is not null
        and follower_count is not null
    group by age_group
)

select * from final
