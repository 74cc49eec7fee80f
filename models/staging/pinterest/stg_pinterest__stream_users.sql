{{ valid_records('stream', 'user') }}
