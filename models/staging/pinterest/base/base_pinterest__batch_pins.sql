{{ parse_bronze('batch', 'pin') }}
