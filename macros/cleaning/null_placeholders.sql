{#
    Null a column's placeholder values: the exact strings of placeholder_values() for that
    column, and the empty string. Whole-value matches only, never substrings.
    null_placeholders('record.title', 'title')
    -> case when record.title in ('', 'No Title Data Available') then null else record.title end
#}
{% macro null_placeholders(column, column_name) -%}
    {%- set values = [''] + placeholder_values().get(column_name, []) -%}
    case
        when {{ column }} in {{ sql_list(values) }} then null
        else {{ column }}
    end
{%- endmacro %}
