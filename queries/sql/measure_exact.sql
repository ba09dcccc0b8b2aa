-- Reads every page of the table (AccessShareLock only: reads and writes go on).
SELECT
    table_len,
    tuple_count,
    tuple_len,
    dead_tuple_count,
    dead_tuple_len,
    free_space,
    1.0::float8 AS scanned_ratio
FROM pgstattuple($1::oid::regclass)
