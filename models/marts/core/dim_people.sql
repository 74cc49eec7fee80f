{#
    One row per person. The source stores the same person under many post keys, so a person
    is identified by (user_name, age, date_joined): the three user fields the source copies
    unchanged to every post of that poster. Users missing any of the three cannot be
    identified and are left out. A person's follower count is the largest one seen on
    their posts.
#}
with

posts as (
    select * from {{ ref('fct_pin_posts') }}
),

people as (
    select
        person_id,
        user_name,
        age,
        age_group,
        date_joined,
        join_year,
        max(follower_count) as follower_count,
        count(*) as post_count
    from posts
    where
        user_name is not null
        and age is not null
        and date_joined is not null
    group by
        person_id,
        user_name,
        age,
        age_group,
        date_joined,
        join_year
),

final as (
    select
        person_id,
        user_name,
        cast(age as int) as age,
        age_group,
        date_joined,
        cast(join_year as int) as join_year,
        cast(follower_count as bigint) as follower_count,
        cast(post_count as bigint) as post_count
    from people
)

select * from final
