{#
    Why a parsed record breaks the contract, or null when it keeps it. The first failing
    check names the reason; rows with a reason go to quarantine instead of staging.
    Expects `raw_text` (the JSON text) and `record` (parse_record of it) in scope.

    reasons: malformed_json, invalid_key, invalid_follower_count, unknown_category,
    unknown_media_type, invalid_timestamp, invalid_coordinates, invalid_age
#}
{% macro reject_reason(entity) -%}
    {%- if entity not in ['pin', 'geo', 'user'] -%}
        {%- do exceptions.raise_compiler_error("reject_reason: unknown entity " ~ entity) -%}
    {%- endif -%}
    case
        when not {{ is_json_object('raw_text') }} then 'malformed_json'
        {% if entity == 'pin' %}
        when {{ parse_integer('record.index') }} is null then 'invalid_key'
        when not {{ follower_count_is_valid('record.follower_count') }}
            then 'invalid_follower_count'
        when coalesce(record.category not in {{ sql_list(pin_categories()) }}, true)
            then 'unknown_category'
        when record.is_image_or_video not in {{ sql_list(media_types()) }}
            then 'unknown_media_type'
        {% elif entity == 'geo' %}
        when {{ parse_integer('record.ind') }} is null then 'invalid_key'
        when not {{ wire_timestamp_is_valid('record.`timestamp`') }} then 'invalid_timestamp'
        when not {{ coordinates_are_valid('record.latitude', 'record.longitude') }}
            then 'invalid_coordinates'
        {% elif entity == 'user' %}
        when {{ parse_integer('record.ind') }} is null then 'invalid_key'
        when not {{ wire_timestamp_is_valid('record.date_joined') }} then 'invalid_timestamp'
        when record.age is not null and {{ parse_integer('record.age') }} is null
            then 'invalid_age'
        {% endif %}
    end
{%- endmacro %}

{% macro reject_reasons() -%}
    {{ return([
        'malformed_json', 'invalid_key', 'invalid_follower_count', 'unknown_category',
        'unknown_media_type', 'invalid_timestamp', 'invalid_coordinates', 'invalid_age',
    ]) }}
{% endmacro %}
