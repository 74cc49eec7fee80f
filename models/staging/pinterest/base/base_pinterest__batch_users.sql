{{ parse_bronze('batch', 'user') }}
