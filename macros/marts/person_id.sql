{#
    The id of a person: md5 of user_name, age and date_joined (see dim_people for why these
    three identify a person). Null when any of the three is missing.
#}
{% macro person_id(user_name, age, date_joined) -%}
    case
        when {{ user_name }} is not null
            and {{ age }} is not null
            and {{ date_joined }} is not null
            then md5(concat_ws(
                '|',
                {{ user_name }},
                cast({{ age }} as string),
                cast({{ date_joined }} as string)
            ))
    end
{%- endmacro %}
