{{ lambda_serving('pin') }}
