{#
    The JSON record of an entity as a DDL schema for from_json: the contract's fields, every
    one read as string. JSON numbers arrive as their text, so a value of the wrong type is kept
    and can be checked and quarantined with its reason instead of turning the whole record into
    nulls. Fields outside the schema are ignored.
#}
{% macro record_schema(entity) -%}
    {%- set columns = [] -%}
    {%- for field in contract_entry('entities', entity)['fields'] -%}
        {%- do columns.append('`' ~ field ~ '` string') -%}
    {%- endfor -%}
    {{- columns | join(', ') -}}
{%- endmacro %}

{#- the record's JSON text parsed against its schema, as a struct -#}
{% macro parse_record(json_column, entity) -%}
    from_json({{ json_column }}, '{{ record_schema(entity) }}')
{%- endmacro %}
