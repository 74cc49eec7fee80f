{#
    Post-hook of the lambda-merge tables. On Databricks the nightly merge compacts the
    small files that every merge leaves behind (OPTIMIZE). Locally the tables are small and
    rewriting them after every merge costs more than it saves, so the Spark variant does
    nothing (an empty hook is skipped).
#}
{% macro optimize_merged_table(relation) %}
    {{ return(adapter.dispatch('optimize_merged_table', 'pinpipe')(relation)) }}
{% endmacro %}

{% macro default__optimize_merged_table(relation) %}
{% endmacro %}

{% macro databricks__optimize_merged_table(relation) %}
    optimize {{ relation }}
{% endmacro %}
