{{ valid_records('batch', 'pin') }}
