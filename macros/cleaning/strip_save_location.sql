{#
    save_location is always `Local save in /data/<category>`: keep the path. Only the prefix
    is removed, anchored at the start; any other text passes through unchanged.
#}
{% macro strip_save_location(column) -%}
    regexp_replace({{ column }}, '^Local save in ', '')
{%- endmacro %}
