with

parsed as (
    select * from {{ ref('base_pinterest__batch_users') }}
),

{# rows that break the contract are in stg_pinterest__quarantined_records #}
valid as (
    select
        ind,
        user_name,
        age,
        date_joined,
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
