{{ parse_bronze('stream', 'geo') }}
