{#
    Registers the bronze Delta tables that the landing jobs write by path as external tables
    where the `pinterest` sources name them (schema PINPIPE_BRONZE_SCHEMA, default `bronze`):
    one per layer and entity of the contract, with the layer's bronze columns. Runs
    on-run-start for the local target only (var register_bronze); on Databricks the bronze
    tables are real tables already. An empty location gets an empty table with the bronze
    columns, which the landing jobs then append to. One `show tables` per schema finds what is
    registered already, so a run that has nothing to register sends no other statement.
#}
{% macro register_bronze_tables() %}
    {% if execute and var('register_bronze') | string | lower == 'true' %}
        {% set sources = {} %}
        {% for table in graph.sources.values() if table.source_name == 'pinterest' %}
            {% do sources.update({table.name: table}) %}
        {% endfor %}
        {% set registered = [] %}
        {% set schemas = run_query('show schemas').columns[0].values() | map('lower') | list %}
        {% for schema in sources.values() | map(attribute='schema') | unique %}
            {% if schema | lower not in schemas %}
                {% do run_query('create schema if not exists ' ~ schema) %}
            {% endif %}
            {% set tables = run_query('show tables in ' ~ schema) %}
            {% for name in tables.columns['tableName'].values() %}
                {% do registered.append((schema ~ '.' ~ name) | lower) %}
            {% endfor %}
        {% endfor %}
        {% for layer, spec in var('contract')['layers'].items() %}
            {% set columns = [] %}
            {% for name, data_type in spec['bronze_columns'].items() %}
                {% do columns.append('`' ~ name ~ '` ' ~ data_type) %}
            {% endfor %}
            {% for entity in var('contract')['entities'] %}
                {% set table = sources[layer ~ '_' ~ entity] %}
                {% set relation = table.schema ~ '.' ~ table.identifier %}
                {% if relation | lower not in registered %}
                    {% do run_query(
                        'create table if not exists ' ~ relation
                        ~ ' (' ~ columns | join(', ') ~ ') using delta location '
                        ~ "'" ~ var('lake_dir') ~ '/bronze/' ~ table.name ~ "'"
                    ) %}
                {% endif %}
            {% endfor %}
        {% endfor %}
    {% endif %}
{% endmacro %}
