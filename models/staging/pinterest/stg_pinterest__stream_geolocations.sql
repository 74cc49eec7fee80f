{{ valid_records('stream', 'geo') }}
