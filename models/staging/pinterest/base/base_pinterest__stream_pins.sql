{#
    One row per bronze Kinesis record of the pin entity: the JSON text parsed
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
    select * from {{ source('pinterest', 'stream_pin') }} as bronze
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
        {{ parse_record('data', 'pin') }} as record
    from source
),

cleaned as (
    select
        ---------- ids
        {{ parse_integer('record.index') }} as ind,
        record.unique_id,
        ---------- strings and numerics, in the classic column order
        {{ null_placeholders('record.title', 'title') }} as title,
        {{ null_placeholders('record.description', 'description') }} as description,
        {{ parse_follower_count('record.follower_count') }} as follower_count,
        {{ null_placeholders('record.poster_name', 'poster_name') }} as poster_name,
        {{ null_placeholders('record.tag_list', 'tag_list') }} as tag_list,
        record.is_image_or_video,
        {{ null_placeholders('record.image_src', 'image_src') }} as image_src,
        {{ strip_save_location('record.save_location') }} as save_location,
        record.category,
        ---------- transport
        record_id,
        source_layer,
        received_at,
        landed_at,
        ---------- contract
        {{ reject_reason('pin') }} as reject_reason,
        raw_text
    from received
),

final as (
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
        landed_at,
        reject_reason,
        {# the raw text is kept only where quarantine needs it #}
        case when reject_reason is not null then raw_text end as raw_text
    from cleaned
)

select * from final
