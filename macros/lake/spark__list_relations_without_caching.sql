{#
    Column types and statistics of Delta tables in the docs' catalog, on dbt-spark. The adapter
    builds catalog.json from the text `show table extended` prints per relation: its
    ` |-- column: type` lines and its `Statistics:` line. Open-source Delta prints no columns
    (and, for a table made by `create table as`, statistics from before its rows), so only
    views had columns. During `dbt docs generate` this version adds both to each Delta
    table's text, from `describe table`, `describe detail` (bytes) and a row count, which Delta
    answers from its log; every other command lists relations as the adapter does.
    dbt-databricks has its own catalog query.
#}
{% macro spark__list_relations_without_caching(relation) %}
    {% call statement('list_relations_without_caching', fetch_result=True) -%}
        show table extended in {{ relation.schema }} like '*'
    {%- endcall %}
    {%- set listed = load_result('list_relations_without_caching').table -%}
    {%- if flags.WHICH != 'generate' -%}
        {%- do return(listed) -%}
    {%- endif -%}
    {%- set relations = [] -%}
    {%- for row in listed -%}
        {%- set information = row[3] -%}
        {%- if 'Provider: delta' in information and ' |-- ' not in information -%}
            {%- set information = delta_catalog_information(row[0], row[1], information) -%}
        {%- endif -%}
        {%- do relations.append([row[0], row[1], row[2], information]) -%}
    {%- endfor -%}
    {%- do return(relations) -%}
{% endmacro %}

{% macro delta_catalog_information(schema, identifier, information) %}
    {%- set table = adapter.quote(schema) ~ '.' ~ adapter.quote(identifier) -%}
    {#- a table Spark made by `create table as` keeps a `Statistics:` line from before its rows -#}
    {%- set lines = [] -%}
    {%- for line in information.split('\n') if not line.startswith('Statistics: ') -%}
        {%- do lines.append(line) -%}
    {%- endfor -%}
    {%- do lines.append('Schema: root') -%}
    {%- set state = namespace(columns_done=false) -%}
    {%- for column in run_query('describe table ' ~ table) -%}
        {#- the columns end at the first blank or `#` row (partitioning follows) -#}
        {%- if not column[0] or column[0].startswith('#') -%}
            {%- set state.columns_done = true -%}
        {%- elif not state.columns_done -%}
            {%- do lines.append(' |-- ' ~ column[0] ~ ': ' ~ column[1] ~ ' (nullable = true)') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set size = run_query('describe detail ' ~ table).rows[0]['sizeInBytes'] -%}
    {%- set count = run_query('select count(*) from ' ~ table).rows[0][0] -%}
    {%- do lines.append('Statistics: ' ~ size ~ ' bytes, ' ~ count ~ ' rows') -%}
    {%- do return(lines | join('\n') ~ '\n') -%}
{% endmacro %}
