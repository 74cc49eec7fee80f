{#- the fields that identify any other entity: a record of this entity never has them -#}
{% macro foreign_fields(entity) -%}
    {%- set foreign = [] -%}
    {%- for other in var('contract')['entities'] if other != entity -%}
        {%- do foreign.extend(identifying_fields(other)) -%}
    {%- endfor -%}
    {{ return(foreign) }}
{%- endmacro %}
