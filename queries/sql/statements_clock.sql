SELECT clock_timestamp() AS taken_at, NULL::timestamptz AS stats_reset, NULL::bigint AS dealloc
