{#
    One row per post (`ind`) of the merged pins, joined to its geolocation and user records
    on `ind`, with the reference data (country codes, age groups) the questions need.
#}
with

pins as (
    select * from {{ ref('int_pins_merged') }}
),

geolocations as (
    select * from {{ ref('int_geolocations_merged') }}
),

users as (
    select * from {{ ref('int_users_merged') }}
),

countries as (
    select * from {{ ref('countries') }}
),

age_groups as (
    select * from {{ ref('age_groups') }}
),

pins_joined_to_geolocations_and_users as (
    select
        pins.ind,
        pins.unique_id,
        pins.category,
        pins.poster_name,
        pins.follower_count,
        pins.is_image_or_video,
        geolocations.country,
        countries.iso_alpha2 as country_code,
        countries.continent,
        geolocations.`timestamp` as posted_at,
        {{ person_id('users.user_name', 'users.age', 'users.date_joined') }} as person_id,
        users.user_name,
        users.age,
        age_groups.age_group,
        users.date_joined,
        pins.source_layer
    from pins
    left join geolocations
        on pins.ind = geolocations.ind
    left join users
        on pins.ind = users.ind
    left join countries
        on geolocations.country = countries.country_name
    left join age_groups
        on users.age between age_groups.min_age and age_groups.max_age
),

final as (
    select
        cast(ind as int) as ind,
        unique_id,
        category,
        poster_name,
        cast(follower_count as bigint) as follower_count,
        is_image_or_video,
        country,
        country_code,
        continent,
        posted_at,
        cast(year(posted_at) as int) as post_year,
        person_id,
        user_name,
        cast(age as int) as age,
        age_group,
        date_joined,
        cast(year(date_joined) as int) as join_year,
        source_layer
    from pins_joined_to_geolocations_and_users
)

select * from final
