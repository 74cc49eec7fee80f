{# The model holds at least one row. #}
{% test not_empty(model) %}

    select 1 as failure
    from (select count(*) as row_count from {{ model }}) as counted
    where counted.row_count = 0

{% endtest %}
