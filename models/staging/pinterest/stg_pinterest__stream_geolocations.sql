with

parsed as (
    select * from {{ ref('base_pinterest__stream_geolocations') }}
),

{# rows that break the contract are in stg_pinterest__quarantined_records #}
valid as (
    select
        ind,
        country,
        coordinates,
        `timestamp`,
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
