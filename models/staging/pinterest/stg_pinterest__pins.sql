with

source as (
    select * from {{ source('pinterest', 'batch_pin') }}
),

parsed as (
    select
        cast(get_json_object(value, '$.index') as int) as ind,
        get_json_object(value, '$.unique_id') as unique_id,
        get_json_object(value, '$.category') as category,
        partition as kafka_partition,
        offset as kafka_offset
    from source
),

final as (
    select * from parsed
)

select * from final
