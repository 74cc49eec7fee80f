{{ valid_records('batch', 'geo') }}
