{#
    The placeholder strings the source writes instead of a value, per column, exactly as
    they appear (no trimming, `Image src error.` keeps its period). seeds/placeholder_values.csv
    documents the same list; the singular test assert_placeholder_seed_matches_macro keeps the
    two equal. Empty strings are placeholders in every column (null_placeholders adds them).
#}
{% macro placeholder_values() -%}
    {{ return({
        'title': ['No Title Data Available'],
        'description': [
            'No description available Story format',
            'No description available',
            'Untitled',
        ],
        'poster_name': ['User Info Error'],
        'follower_count': ['User Info Error'],
        'tag_list': ['N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e'],
        'image_src': ['Image src error.'],
    }) }}
{% endmacro %}
