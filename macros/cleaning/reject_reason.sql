{#
    Why a parsed record breaks the contract, or null when it keeps it. The first failing
    check names the reason (var contract.reject_reasons lists them in this order); rows with a
    reason go to quarantine instead of staging. Expects `record_keys` (json_object_keys of the
    JSON text: null unless it is a JSON object) and `record` (parse_record of it) in scope.
#}
{% macro reject_reason(entity) -%}
    {%- set key = record_field(contract_entry('entities', entity)['key']) -%}
    {%- set contract = var('contract') -%}
    case
        when record_keys is null then 'malformed_json'
        when {{ is_foreign_record('record_keys', entity) }} then 'wrong_entity'
        when {{ parse_integer(key) }} is null then 'invalid_key'
        {% if entity == 'pin' %}
        when not {{ follower_count_is_valid('record.follower_count') }}
            then 'invalid_follower_count'
        when coalesce(record.category not in {{ sql_list(contract['categories']) }}, true)
            then 'unknown_category'
        when record.is_image_or_video not in {{ sql_list(contract['media_types']) }}
            then 'unknown_media_type'
        {% elif entity == 'geo' %}
        when not {{ wire_timestamp_is_valid('record.`timestamp`') }} then 'invalid_timestamp'
        when not {{ coordinates_are_valid('record.latitude', 'record.longitude') }}
            then 'invalid_coordinates'
        {% elif entity == 'user' %}
        when not {{ wire_timestamp_is_valid('record.date_joined') }} then 'invalid_timestamp'
        when record.age is not null and {{ parse_integer('record.age') }} is null
            then 'invalid_age'
        {% endif %}
    end
{%- endmacro %}

{#
    True when the JSON object's keys say the record is not of `entity`: it has none of the
    entity's identifying fields, or one that identifies another entity (identifying_fields).
    Unknown keys are ignored, so a record with extra fields but its own entity's passes.
#}
{% macro is_foreign_record(keys, entity) -%}
    (
        not arrays_overlap({{ keys }}, array{{ sql_list(identifying_fields(entity)) }})
        or arrays_overlap({{ keys }}, array{{ sql_list(foreign_fields(entity)) }})
    )
{%- endmacro %}
