{{ valid_records('batch', 'user') }}
