{#
    The geo record's position as array(latitude, longitude) of doubles. Null when either
    part is missing or not a number (coordinates_are_valid sends those to quarantine).
#}
{% macro coordinates(latitude, longitude) -%}
    case
        when try_cast({{ latitude }} as double) is not null
            and try_cast({{ longitude }} as double) is not null
            then array(try_cast({{ latitude }} as double), try_cast({{ longitude }} as double))
    end
{%- endmacro %}

{#- true when both parts are numbers within the globe's ranges -#}
{% macro coordinates_are_valid(latitude, longitude) -%}
    (
        coalesce(try_cast({{ latitude }} as double) between -90 and 90, false)
        and coalesce(try_cast({{ longitude }} as double) between -180 and 180, false)
    )
{%- endmacro %}
