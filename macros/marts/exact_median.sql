{#
    The exact median (the mean of the two middle values for an even count), not an
    approximate percentile: exact is affordable at this data size and gives the same answer
    on every run and adapter. percentile() exists in Spark and Databricks alike.
#}
{% macro exact_median(column) -%}
    percentile({{ column }}, 0.5)
{%- endmacro %}
