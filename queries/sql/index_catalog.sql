-- The indexes the Indexes screen lists, as the catalog describes them (read on open, every
-- minute, with the audit and after an index is built): the same set as pg_stat_user_indexes
-- (indexes of tables, TOAST tables and materialized views outside pg_catalog,
-- information_schema and pg_toast), their method, the constraint each enforces, and their
-- size on disk. pg_relation_size() opens every index (a lock and a file size each): most of
-- this read's cost, which is why the counters in between are index_counters.sql.
SELECT i.oid AS oid,
       n.nspname AS schema_name,
       t.relname AS table_name,
       i.relname AS index_name,
       am.amname AS method,
       pg_relation_size(i.oid) AS size_bytes,
       x.indisunique AS is_unique,
       x.indisprimary AS is_primary,
       k.conname AS constraint_name
FROM pg_index AS x
JOIN pg_class AS i ON i.oid = x.indexrelid
JOIN pg_class AS t ON t.oid = x.indrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
JOIN pg_am AS am ON am.oid = i.relam
LEFT JOIN pg_constraint AS k
    ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')
WHERE t.relkind IN ('r', 't', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast'
ORDER BY n.nspname, t.relname, i.relname
