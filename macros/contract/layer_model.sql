{#- a per-layer model's name: layer_model('base', 'batch', 'pin') -> base_pinterest__batch_pins -#}
{% macro layer_model(kind, layer, entity) -%}
    {%- do contract_entry('layers', layer) -%}
    {%- set plural = contract_entry('entities', entity)['plural'] -%}
    {{- return(kind ~ '_pinterest__' ~ layer ~ '_' ~ plural) -}}
{%- endmacro %}
