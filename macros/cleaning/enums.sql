{#
    The closed value sets of the pin record. seeds/categories.csv lists the same categories
    (the singular test assert_category_seed_matches_macro keeps them equal); the YAML
    accepted_values tests and the doc blocks in models/staging/pinterest/_pinterest__docs.md
    repeat them for readers.
#}
{% macro pin_categories() -%}
    {{ return([
        'art', 'beauty', 'christmas', 'diy-and-crafts', 'education', 'event-planning',
        'finance', 'home-decor', 'mens-fashion', 'quotes', 'tattoos', 'travel', 'vehicles',
    ]) }}
{% endmacro %}

{% macro media_types() -%}
    {{ return(['image', 'video', 'multi-video(story page format)']) }}
{% endmacro %}

{#- a SQL list literal: ('a', 'b') -#}
{% macro sql_list(values) -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    ({{ quoted | join(', ') }})
{%- endmacro %}
