{# Question 3b. One row per country whose top poster has the most followers (ties kept). #}
with

top_users as (
    select * from {{ ref('most_followed_user_by_country') }}
),

countries as (
    select distinct
        country,
        follower_count
    from top_users
),

ranked as (
    select
        *,
        rank() over (order by follower_count desc) as follower_rank
    from countries
),

final as (
    select
        country,
        follower_count
    from ranked
    where follower_rank = 1
)

select * from final
