{#
    Null a field's placeholder values: the exact strings the contract lists for that field
    (var contract.placeholders), and the empty string. Whole-value matches only, never
    substrings.
    null_placeholders('record.title', 'title')
    -> case when record.title in ('', 'No Title Data Available') then null else record.title end
#}
{% macro null_placeholders(column, field) -%}
    {%- set values = [''] + var('contract')['placeholders'].get(field, []) -%}
    case
        when {{ column }} in {{ sql_list(values) }} then null
        else {{ column }}
    end
{%- endmacro %}
