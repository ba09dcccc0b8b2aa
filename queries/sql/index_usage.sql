-- Every index in user schemas with its usage counters; last_idx_scan needs PostgreSQL 16.
SELECT s.schemaname AS schema_name,
       s.relname AS table_name,
       s.indexrelname AS index_name,
       am.amname AS method,
       pg_relation_size(s.indexrelid) AS size_bytes,
       s.idx_scan AS scans,
       NULL::timestamptz AS last_scan,
       s.idx_tup_read AS tuples_read,
       s.idx_tup_fetch AS tuples_fetched,
       coalesce(io.idx_blks_hit, 0) AS blocks_hit,
       coalesce(io.idx_blks_read, 0) AS blocks_read,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       (SELECT k.conname FROM pg_constraint k
         WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
           AND k.contype IN ('p', 'u', 'x') LIMIT 1) AS constraint_name,
       i.indisvalid AS is_valid
FROM pg_stat_user_indexes s
JOIN pg_statio_user_indexes io ON io.indexrelid = s.indexrelid
JOIN pg_index i ON i.indexrelid = s.indexrelid
JOIN pg_class c ON c.oid = s.indexrelid
JOIN pg_am am ON am.oid = c.relam
ORDER BY s.schemaname, s.relname, s.indexrelname
