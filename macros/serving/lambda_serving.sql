{#
    The body of a serving view `<entity>s_latest`: the lambda architecture's serving layer,
    one row per key `ind`, read at query time. It is the merged table (int_<entity>s_merged)
    plus the stream rows landed since the merge last took stream rows, parsed and cleaned by
    the same macros as the base models (parsed_bronze_rows) when the view is queried. The
    batch version of a key still wins and the same version order decides
    (lambda_winning_versions), so after the next merge the view shows what the merged table
    holds. Only the stream is read fresh: the batch layer reaches the view through the merge.
#}
{% macro lambda_serving(entity) -%}
    {%- set merged_model = 'int_' ~ contract_entry('entities', entity)['plural'] ~ '_merged' -%}
    {%- set merged_until -%}
        (
            select coalesce(max(merged.landed_at), timestamp '1970-01-01')
            from {{ ref(merged_model) }} as merged
            where merged.source_layer = 'stream'
        )
    {%- endset %}
    {{ config(materialized='view') }}

    with

    merged as (
        select * from {{ ref(merged_model) }}
    ),

    landed_since_merge as (
        {{ parsed_bronze_rows('stream', entity, merged_until) }}
    ),

    fresh_stream as (
        select landed.*
        from landed_since_merge as landed
        left anti join merged as batch_version
            on
                landed.ind = batch_version.ind
                and batch_version.source_layer = 'batch'
        where landed.reject_reason is null
    ),

    unioned as (
        select
            {{ lambda_columns(entity) }}
        from merged
        union all
        select
            {{ lambda_columns(entity) }}
        from fresh_stream
    ),

    final as (
        {{ lambda_winning_versions('unioned', entity) }}
    )

    select * from final
{%- endmacro %}
