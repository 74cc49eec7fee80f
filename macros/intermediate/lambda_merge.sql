{#
    The body of a merged model `int_<entity>s_merged`: the lambda merge of the entity's
    staged batch (Kafka) and stream (Kinesis) rows, one row per key `ind`.

    - The batch version of a key wins over the stream version; stream rows fill the gap since
      the last batch.
    - Among versions of one layer the latest received wins (then the latest landed, then the
      highest record_id), so exact re-sends collapse to one row.
    - Incremental Delta merge on `ind`. What only incremental runs do is in the two macros
      below: read each layer's rows landed after that layer's watermark (the latest landed_at
      merged from it), and never let a stream row replace a key whose merged row is a batch
      version. A second run with no new rows changes nothing.
#}
{% macro lambda_merge(entity) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='ind',
        post_hook="{{ optimize_merged_table(this) }}",
    ) }}

    with

    batch_rows as (
        select * from {{ ref(layer_model('stg', 'batch', entity)) }} as staged
        {{ lambda_merge_since_watermark('batch') }}
    ),

    stream_rows as (
        select * from {{ ref(layer_model('stg', 'stream', entity)) }} as staged
        {{ lambda_merge_since_watermark('stream') }}
    ),

    unioned as (
        select * from batch_rows
        union all
        select * from stream_rows
    ),

    candidates as (
        select unioned.*
        from unioned
        {{ lambda_merge_keep_batch_versions('unioned') }}
    ),

    {# batch before stream, then the latest arrival; exact re-sends collapse to one row #}
    final as (
        {{ lambda_winning_versions('candidates', entity) }}
    )

    select * from final
{%- endmacro %}

{#-
    The version of each key that wins among `rows`, with the merged columns: batch before
    stream, then the latest received, then landed, then the highest record id
-#}
{% macro lambda_winning_versions(rows, entity) -%}
    select
        {{ lambda_columns(entity) }}
    from (
        select
            *,
            row_number() over (
                partition by ind
                order by
                    case source_layer when 'batch' then 0 else 1 end,
                    received_at desc,
                    landed_at desc,
                    record_id desc
            ) as version_rank
        from {{ rows }}
    ) as ranked
    where version_rank = 1
{%- endmacro %}

{#- the columns of a merged row: the entity's staged columns, then the winner's transport -#}
{% macro lambda_columns(entity) -%}
    {% for column in contract_entry('entities', entity)['columns'] %}`{{ column }}`,
    {% endfor %}source_layer,
    record_id,
    received_at,
    landed_at
{%- endmacro %}

{#-
    incremental runs: only the staged rows landed after the layer's watermark (why strict:
    _macros.yml)
-#}
{% macro lambda_merge_since_watermark(layer) -%}
    {%- if is_incremental() -%}
        where staged.landed_at > (
                select coalesce(max(merged.landed_at), timestamp '1970-01-01')
                from {{ this }} as merged
                where merged.source_layer = '{{ layer }}'
            )
    {%- endif -%}
{%- endmacro %}

{#- incremental runs: a stream row never replaces a key whose merged row is a batch version -#}
{% macro lambda_merge_keep_batch_versions(rows) -%}
    {%- if is_incremental() -%}
        left anti join {{ this }} as merged
            on
                {{ rows }}.ind = merged.ind
                and merged.source_layer = 'batch'
                and {{ rows }}.source_layer = 'stream'
    {%- endif -%}
{%- endmacro %}
