{# Question 2. One row per post year (2018-2022) and category: the number of posts. #}
with

posts as (
    select * from {{ ref('fct_pin_posts') }}
),

category_counts as (
    select
        post_year,
        category,
        count(*) as category_count
    from posts
    where post_year between 2018 and 2022
    group by post_year, category
),

final as (
    select
        cast(post_year as int) as post_year,
        category,
        cast(category_count as bigint) as category_count
    from category_counts
)

select * from final
