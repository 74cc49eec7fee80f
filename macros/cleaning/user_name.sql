{#
    user_name = first_name + ' ' + last_name. A missing part is left out rather than making
    the whole name null; null when both parts are missing or empty.
#}
{% macro user_name(first_name, last_name) -%}
    nullif(concat_ws(' ', nullif({{ first_name }}, ''), nullif({{ last_name }}, '')), '')
{%- endmacro %}
