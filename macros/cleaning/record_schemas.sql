{#
    The JSON record of each entity as a DDL schema for from_json. Every field is read as
    string: JSON numbers arrive as their text, so a value of the wrong type is kept and can be
    checked and quarantined with its reason instead of turning the whole record into nulls.
    Fields outside the schema are ignored.
#}
{% macro record_schema(entity) -%}
    {%- set schemas = {
        'pin': 'index string, unique_id string, title string, description string, '
            ~ 'poster_name string, follower_count string, tag_list string, '
            ~ 'is_image_or_video string, image_src string, downloaded string, '
            ~ 'save_location string, category string',
        'geo': 'ind string, `timestamp` string, latitude string, longitude string, country string',
        'user': 'ind string, first_name string, last_name string, age string, date_joined string',
    } -%}
    {%- if entity not in schemas -%}
        {{ exceptions.raise_compiler_error("record_schema: unknown entity '" ~ entity ~ "'") }}
    {%- endif -%}
    {{- schemas[entity] -}}
{%- endmacro %}

{#- the record's JSON text parsed against its schema, as a struct named `record` -#}
{% macro parse_record(json_column, entity) -%}
    from_json({{ json_column }}, '{{ record_schema(entity) }}')
{%- endmacro %}

{#- null unless the text is a JSON object (malformed JSON, arrays, scalars: null) -#}
{% macro is_json_object(json_column) -%}
    (json_object_keys({{ json_column }}) is not null)
{%- endmacro %}
