{# Question 4. One row per age group and its most popular category (ties kept), over posts. #}
with

posts as (
    select * from {{ ref('fct_pin_posts') }}
),

category_counts as (
    select
        age_group,
        category,
        count(*) as category_count
    from posts
    where age_group is not null
    group by age_group, category
),

ranked as (
    select
        *,
        rank() over (partition by age_group order by category_count desc) as category_rank
    from category_counts
),

final as (
    select
        age_group,
        category,
        cast(category_count as bigint) as category_count
    from ranked
    where category_rank = 1
)

select * from final
