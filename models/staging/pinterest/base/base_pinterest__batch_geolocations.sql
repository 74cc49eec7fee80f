{{ parse_bronze('batch', 'geo') }}
