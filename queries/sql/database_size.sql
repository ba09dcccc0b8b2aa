SELECT pg_database_size(current_database()) AS bytes, clock_timestamp() AS measured_at
