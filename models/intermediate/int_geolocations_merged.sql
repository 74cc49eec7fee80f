{{ lambda_merge('geo') }}
