{# Question 1. One row per country and its most popular category (ties kept). #}
with

posts as (
    select * from {{ ref('fct_pin_posts') }}
),

category_counts as (
    select
        country,
        category,
        count(*) as category_count
    from posts
    where country is not null
    group by country, category
),

ranked as (
    select
        *,
        rank() over (partition by country order by category_count desc) as category_rank
    from category_counts
),

final as (
    select
        country,
        category,
        cast(category_count as bigint) as category_count
    from ranked
    where category_rank = 1
)

select * from final
