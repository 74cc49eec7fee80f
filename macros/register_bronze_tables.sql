{#
    Registers the bronze Delta tables that the landing jobs write by path as external tables
    in the `bronze` schema, so sources can name them. Runs on-run-start for the local target
    only (var register_bronze); on Databricks the bronze tables are real tables already.
    An empty location gets an empty table with the bronze columns, which the landing jobs
    then append to.
#}
{% macro bronze_columns() %}
    {{ return({
        'batch': 'value string, topic string, partition int, offset bigint, kafka_timestamp timestamp, landed_at timestamp',
        'stream': 'data string, stream string, shard_id string, sequence_number string, partition_key string, arrived_at timestamp, landed_at timestamp',
    }) }}
{% endmacro %}

{% macro register_bronze_tables() %}
    {% if execute and var('register_bronze') | string | lower == 'true' %}
        {% set schema = var('bronze_schema') %}
        {% do run_query('create schema if not exists ' ~ schema) %}
        {% for layer, columns in bronze_columns().items() %}
            {% for entity in ['pin', 'geo', 'user'] %}
                {% do run_query(
                    'create table if not exists ' ~ schema ~ '.' ~ layer ~ '_' ~ entity
                    ~ ' (' ~ columns ~ ') using delta location '
                    ~ "'" ~ var('lake_dir') ~ '/bronze/' ~ layer ~ '_' ~ entity ~ "'"
                ) %}
            {% endfor %}
        {% endfor %}
    {% endif %}
{% endmacro %}
