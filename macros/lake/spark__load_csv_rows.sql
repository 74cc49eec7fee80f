{#
    Seeds on dbt-spark: the adapter's own version passes values as bindings that the
    session method pastes into the SQL unescaped, so a value with a quote (`Cote d'Ivoire`)
    breaks the insert. This version writes escaped string literals instead. dbt looks for
    `spark__load_csv_rows` in the root project first; dbt-databricks has its own
    `databricks__load_csv_rows`, which it keeps using.
#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- set inferred = adapter.convert_type(agate_table, loop.index0) -%}
        {%- do types.append(column_override.get(col_name, inferred)) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set tuples = [] -%}
        {%- for row in chunk -%}
            {%- set values = [] -%}
            {%- for value in row -%}
                {%- if value is none -%}
                    {%- set literal = 'null' -%}
                {%- else -%}
                    {%- set text = value | string -%}
                    {%- set escaped = text | replace('\\', '\\\\') | replace("'", "\\'") -%}
                    {%- set literal = "'" ~ escaped ~ "'" -%}
                {%- endif -%}
                {%- do values.append('cast(' ~ literal ~ ' as ' ~ types[loop.index0] ~ ')') -%}
            {%- endfor -%}
            {%- do tuples.append('(' ~ values | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values ' ~ tuples | join(', ') -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{- return(statements[0]) -}}
{% endmacro %}
