{#
    One row per bronze Kinesis record of the geo entity: the JSON text parsed
    against an explicit schema, every cleaning rule applied, and the contract checked
    (reject_reason). Incremental append: each run parses only the rows landed after the
    latest landed_at already parsed (landing stamps one landed_at per micro-batch, rising),
    so every bronze row is parsed once and a second run adds nothing.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

with

source as (
    select * from {{ source('pinterest', 'stream_geo') }} as bronze
    {% if is_incremental() %}
        where bronze.landed_at > (
                select coalesce(max(parsed.landed_at), timestamp '1970-01-01')
                from {{ this }} as parsed
            )
    {% endif %}
),

received as (
    select
        {{ transport_columns('stream') }},
        data as raw_text,
        {{ parse_record('data', 'geo') }} as record
    from source
),

cleaned as (
    select
        ---------- ids
        {{ parse_integer('record.ind') }} as ind,
        ---------- strings and arrays
        nullif(record.country, '') as country,
        {{ coordinates('record.latitude', 'record.longitude') }} as coordinates,
        ---------- timestamps
        {{ parse_wire_timestamp('record.`timestamp`') }} as `timestamp`,
        ---------- transport
        record_id,
        source_layer,
        received_at,
        landed_at,
        ---------- contract
        {{ reject_reason('geo') }} as reject_reason,
        raw_text
    from received
),

final as (
    select
        ind,
        country,
        coordinates,
        `timestamp`,
        record_id,
        source_layer,
        received_at,
        landed_at,
        reject_reason,
        {# the raw text is kept only where quarantine needs it #}
        case when reject_reason is not null then raw_text end as raw_text
    from cleaned
)

select * from final
