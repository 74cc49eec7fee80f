{#- a SQL list literal of strings: sql_list(['a', "b'c"]) -> ('a', 'b''c') -#}
{% macro sql_list(values) -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    ({{ quoted | join(', ') }})
{%- endmacro %}
