-- PostgreSQL 16+ (last_seq_scan). Tables read mostly by sequential scans ($1: fewest live rows worth a hint, $2: how many).
SELECT t.schemaname AS schema_name,
       t.relname AS table_name,
       pg_table_size(t.relid) AS size_bytes,
       t.n_live_tup AS live_rows,
       t.seq_scan AS seq_scans,
       t.seq_tup_read AS seq_rows_read,
       coalesce(t.idx_scan, 0) AS index_scans,
       t.last_seq_scan AS last_seq_scan
FROM pg_stat_user_tables t
WHERE t.seq_scan > coalesce(t.idx_scan, 0)
  AND t.n_live_tup >= $1
ORDER BY t.seq_tup_read DESC
LIMIT $2
