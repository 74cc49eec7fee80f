{{ lambda_serving('user') }}
