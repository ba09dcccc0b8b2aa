-- Indexes with indisvalid = false, and whether a CREATE INDEX is building one right now.
SELECT n.nspname AS schema_name,
       t.relname AS table_name,
       c.relname AS index_name,
       c.relkind = 'I' AS partitioned,
       i.indisready AS is_ready,
       i.indisunique AS is_unique,
       c.relpages::bigint * current_setting('block_size')::bigint AS size_bytes,
       ARRAY(SELECT CASE WHEN x.attnum = 0 THEN pg_get_indexdef(i.indexrelid, x.k::int, true)
                         ELSE a.attname::text END
             FROM unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) WITH ORDINALITY AS x(attnum, k)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = x.attnum
             ORDER BY x.k) AS columns,
       (SELECT p.pid FROM pg_stat_progress_create_index p
         WHERE p.index_relid = i.indexrelid LIMIT 1) AS building_pid,
       format('DROP INDEX CONCURRENTLY %I.%I;', n.nspname, c.relname) AS drop_sql,
       format('REINDEX INDEX CONCURRENTLY %I.%I;', n.nspname, c.relname) AS reindex_sql
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE NOT i.indisvalid
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp)'
ORDER BY n.nspname, c.relname
