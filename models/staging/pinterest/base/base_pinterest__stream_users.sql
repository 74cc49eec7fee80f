{{ parse_bronze('stream', 'user') }}
