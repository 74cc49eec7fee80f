with

parsed as (
    select * from {{ ref('base_pinterest__stream_pins') }}
),

{# rows that break the contract are in stg_pinterest__quarantined_records #}
valid as (
    select
        ind,
        unique_id,
        title,
        description,
        follower_count,
        poster_name,
        tag_list,
        is_image_or_video,
        image_src,
        save_location,
        category,
        record_id,
        source_layer,
        received_at,
        landed_at
    from parsed
    where reject_reason is null
),

final as (
    select * from valid
)

select * from final
