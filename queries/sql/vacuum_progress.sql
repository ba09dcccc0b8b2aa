-- Every VACUUM running in this database (pg_stat_progress_vacuum, 15/16 columns) and every
-- VACUUM FULL (pg_stat_progress_cluster); $1 is the pid of psadmin's admin connection.
SELECT
    p.pid,
    p.relid,
    coalesce(format('%I.%I', n.nspname, c.relname), p.relid::text) AS table_name,
    'VACUUM' AS command,
    p.phase,
    a.backend_type = 'autovacuum worker' AS autovacuum,
    p.pid = $1 AS own,
    extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS running_s,
    p.heap_blks_total,
    p.heap_blks_scanned,
    p.heap_blks_vacuumed,
    p.index_vacuum_count,
    p.num_dead_tuples AS dead_items,
    p.max_dead_tuples AS max_dead_items,
    NULL::bigint AS dead_item_bytes,
    NULL::bigint AS max_dead_item_bytes,
    NULL::bigint AS indexes_total,
    NULL::bigint AS indexes_processed,
    NULL::bigint AS tuples_scanned,
    NULL::bigint AS tuples_written
FROM pg_stat_progress_vacuum AS p
LEFT JOIN pg_stat_activity AS a ON a.pid = p.pid
LEFT JOIN pg_class AS c ON c.oid = p.relid
LEFT JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE p.datname = current_database()
UNION ALL
SELECT
    p.pid,
    p.relid,
    coalesce(format('%I.%I', n.nspname, c.relname), p.relid::text),
    p.command,
    p.phase,
    false,
    p.pid = $1,
    extract(epoch FROM clock_timestamp() - a.query_start)::float8,
    p.heap_blks_total,
    p.heap_blks_scanned,
    NULL,
    p.index_rebuild_count,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    p.heap_tuples_scanned,
    p.heap_tuples_written
FROM pg_stat_progress_cluster AS p
LEFT JOIN pg_stat_activity AS a ON a.pid = p.pid
LEFT JOIN pg_class AS c ON c.oid = p.relid
LEFT JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE p.datname = current_database()
ORDER BY own DESC, pid
