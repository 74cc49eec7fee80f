{#
    follower_count arrives as text in four shapes: digits (`437`), digits + k (`26k`, x 1,000),
    digits + M (`6M`, x 1,000,000), or the placeholder `User Info Error`. Returns a bigint;
    placeholders, empty strings and any other shape give null (the contract check
    follower_count_is_valid sends other shapes to quarantine). At most 12 digits, so even
    `<digits>M` fits a bigint; longer numbers are another shape. Never strips all non-digits:
    that would turn `26k` into 26.
#}
{% macro parse_follower_count(column) -%}
    case
        when {{ column }} rlike '^[0-9]{1,12}$'
            then cast({{ column }} as bigint)
        when {{ column }} rlike '^[0-9]{1,12}k$'
            then cast(substr({{ column }}, 1, length({{ column }}) - 1) as bigint) * 1000
        when {{ column }} rlike '^[0-9]{1,12}M$'
            then cast(substr({{ column }}, 1, length({{ column }}) - 1) as bigint) * 1000000
    end
{%- endmacro %}

{#- true when the raw text is one of the four shapes (or absent) -#}
{% macro follower_count_is_valid(column) -%}
    (
        {{ column }} is null
        or {{ column }} in ('', 'User Info Error')
        or {{ column }} rlike '^[0-9]{1,12}[kM]?$'
    )
{%- endmacro %}
