{#
    One staged column from the parsed record: the contract names it as [rule, field, ...]
    (dbt_project.yml, contract.entities.<entity>.columns) and this macro applies the rule's
    cleaning macro (macros/cleaning/) to the record's fields. Expects the parsed record as a
    struct named `record` in scope.

    rules: as_sent, empty_as_null, null_placeholders, parse_integer, parse_follower_count,
    strip_save_location, parse_wire_timestamp (one field each); coordinates (latitude,
    longitude) and user_name (first_name, last_name).
#}
{% macro clean_column(rule_and_fields) -%}
    {%- set rule = rule_and_fields[0] -%}
    {%- set fields = rule_and_fields[1:] -%}
    {%- set args = [] -%}
    {%- for field in fields -%}
        {%- do args.append(record_field(field)) -%}
    {%- endfor -%}
    {%- if rule == 'as_sent' -%}
        {{ args[0] }}
    {%- elif rule == 'empty_as_null' -%}
        nullif({{ args[0] }}, '')
    {%- elif rule == 'null_placeholders' -%}
        {{ null_placeholders(args[0], fields[0]) }}
    {%- elif rule == 'parse_integer' -%}
        {{ parse_integer(args[0]) }}
    {%- elif rule == 'parse_follower_count' -%}
        {{ parse_follower_count(args[0]) }}
    {%- elif rule == 'strip_save_location' -%}
        {{ strip_save_location(args[0]) }}
    {%- elif rule == 'parse_wire_timestamp' -%}
        {{ parse_wire_timestamp(args[0]) }}
    {%- elif rule == 'coordinates' -%}
        {{ coordinates(args[0], args[1]) }}
    {%- elif rule == 'user_name' -%}
        {{ user_name(args[0], args[1]) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("clean_column: unknown cleaning rule '" ~ rule ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#- a field of the parsed record, quoted: record_field('timestamp') -> record.`timestamp` -#}
{% macro record_field(field) -%}
    record.`{{ field }}`
{%- endmacro %}
