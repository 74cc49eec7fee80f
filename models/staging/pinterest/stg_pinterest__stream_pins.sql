{{ valid_records('stream', 'pin') }}
