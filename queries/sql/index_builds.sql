-- CREATE INDEX / REINDEX in progress in this database. A plain (not CONCURRENTLY) build
-- reports index_relid 0, so the index may have no name yet.
SELECT p.pid,
       p.relid::regclass::text AS table_name,
       CASE WHEN p.index_relid <> 0 THEN p.index_relid::regclass::text END AS index_name,
       p.command,
       p.phase,
       p.blocks_done,
       p.blocks_total,
       p.tuples_done,
       p.tuples_total
  FROM pg_stat_progress_create_index p
 WHERE p.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
 ORDER BY p.pid
