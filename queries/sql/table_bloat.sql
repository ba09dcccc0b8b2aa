-- Inputs of the statistical bloat estimate for any role: pg_stats shows only the columns the
-- role may SELECT, so hidden ones are flagged (``visible``) and the screen says so. Catalog
-- reads only; the cost grows with the number of columns, not with the data. The arrays come
-- unordered (no sort); attnums gives the column order.
-- pg_stats is read per table (LATERAL, by schema and table name): those equalities are
-- leakproof, so the planner pushes them into the security-barrier view, which then checks
-- column privileges only for that table's columns (found through the pg_class name index)
-- instead of for every column of every relation in the database before joining. attalign
-- stays "char" (no text per column).
SELECT
    c.oid AS relid,
    n.nspname AS schema_name,
    c.relname AS table_name,
    c.relpages AS pages,
    c.reltuples::float8 AS reltuples,
    coalesce(t.relpages, 0) AS toast_pages,
    coalesce(t.reltuples, -1)::float8 AS toast_tuples,
    c.reloptions,
    pg_stat_get_last_analyze_time(c.oid) IS NOT NULL
        OR pg_stat_get_last_autoanalyze_time(c.oid) IS NOT NULL
        OR cols.has_stats AS analyzed,
    pg_stat_get_mod_since_analyze(c.oid) AS mod_since_analyze,
    pg_stat_get_dead_tuples(c.oid) AS dead_tuples,
    cols.attnums,
    cols.lengths,
    cols.aligns,
    cols.widths,
    cols.null_fracs,
    cols.visible,
    current_setting('block_size')::int AS block_size
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_class AS t ON t.oid = c.reltoastrelid
CROSS JOIN LATERAL (
    SELECT
        array_agg(a.attnum) AS attnums,
        array_agg(a.attlen) AS lengths,
        array_agg(a.attalign) AS aligns,
        array_agg(s.avg_width) AS widths,
        array_agg(s.null_frac) AS null_fracs,
        array_agg(s.avg_width IS NOT NULL OR has_column_privilege(a.attrelid, a.attnum, 'SELECT'))
            AS visible,
        bool_or(s.avg_width IS NOT NULL) AS has_stats
    FROM pg_attribute AS a
    LEFT JOIN pg_stats AS s
        ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname
        AND NOT s.inherited
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
) AS cols
WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast'
