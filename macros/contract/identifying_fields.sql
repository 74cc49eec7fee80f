{#
    The fields that identify an entity's record: its contract fields that no other entity's
    record has. pin: all twelve (`index` included); geo: timestamp, latitude, longitude,
    country; user: first_name, last_name, age, date_joined. `ind`, the key of geo and user,
    identifies neither.
#}
{% macro identifying_fields(entity) -%}
    {%- set shared = [] -%}
    {%- for other, spec in var('contract')['entities'].items() if other != entity -%}
        {%- do shared.extend(spec['fields']) -%}
    {%- endfor -%}
    {{ return(contract_entry('entities', entity)['fields'] | reject('in', shared) | list) }}
{%- endmacro %}
