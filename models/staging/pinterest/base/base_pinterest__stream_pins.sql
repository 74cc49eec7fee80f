{{ parse_bronze('stream', 'pin') }}
