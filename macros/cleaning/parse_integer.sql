{#
    Whole numbers arrive as JSON numbers (read as their text) or as strings. Accepts an
    optional sign and a `.0` fraction (a float-typed producer); anything else gives null.
#}
{% macro parse_integer(column, data_type='int') -%}
    case
        when {{ column }} rlike '^-?[0-9]+([.]0+)?$'
            then try_cast(regexp_extract({{ column }}, '^(-?[0-9]+)', 1) as {{ data_type }})
    end
{%- endmacro %}
