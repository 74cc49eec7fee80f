{#-
    Every (layer, entity, model name) of the contract's grid, layers first:
    layer_models('base') -> [('batch', 'pin', 'base_pinterest__batch_pins'), ...]
-#}
{% macro layer_models(kind) -%}
    {%- set grid = [] -%}
    {%- for layer in var('contract')['layers'] -%}
        {%- for entity in var('contract')['entities'] -%}
            {%- do grid.append((layer, entity, layer_model(kind, layer, entity))) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(grid) }}
{%- endmacro %}
