{{ lambda_serving('geo') }}
