{{ lambda_merge('pin') }}
