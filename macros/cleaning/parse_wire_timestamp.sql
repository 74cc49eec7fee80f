{#
    Datetimes reach the wire as text in three forms, all meaning UTC wall-clock time:
    `2020-08-28 03:52:47`, `2020-08-28T03:52:47` and `2020:08:28 03:52:47` (optional
    fractional seconds). The date part is normalised to `yyyy-MM-dd ` and parsed with
    try_to_timestamp, which gives null (never an error, also under ANSI mode) for anything else.
#}
{% macro parse_wire_timestamp(column) -%}
    try_to_timestamp(
        regexp_replace(
            {{ column }},
            '^([0-9]{4})[-:]([0-9]{2})[-:]([0-9]{2})[ T]',
            '$1-$2-$3 '
        ),
        'yyyy-MM-dd HH:mm:ss[.SSSSSS]'
    )
{%- endmacro %}

{#- true when the raw text is absent or parses as one of the three forms -#}
{% macro wire_timestamp_is_valid(column) -%}
    ({{ column }} is null or {{ parse_wire_timestamp(column) }} is not null)
{%- endmacro %}
