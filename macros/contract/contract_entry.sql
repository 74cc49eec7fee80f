{#
    An entry of the entity contract (var `contract` in dbt_project.yml):
    contract_entry('entities', 'pin'), contract_entry('layers', 'batch'). An unknown name is a
    compile error naming the known ones, instead of an empty loop.
#}
{% macro contract_entry(section, name) -%}
    {%- set entries = var('contract')[section] -%}
    {%- if name not in entries -%}
        {{ exceptions.raise_compiler_error(
            "'" ~ name ~ "' is not in the contract's " ~ section ~ ": "
            ~ (entries | list | join(', '))
        ) }}
    {%- endif -%}
    {{ return(entries[name]) }}
{%- endmacro %}
