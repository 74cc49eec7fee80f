{{ lambda_merge('user') }}
