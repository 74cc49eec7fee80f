{# Question 2, second part. One row per post year (2018-2022) and its top category (ties kept). #}
with

category_counts as (
    select * from {{ ref('posts_per_category_by_year') }}
),

ranked as (
    select
        *,
        rank() over (partition by post_year order by category_count desc) as category_rank
    from category_counts
),

final as (
    select
        post_year,
        category,
        category_count
    from ranked
    where category_rank = 1
)

select * from final
