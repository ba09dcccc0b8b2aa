-- Inputs of the statistical bloat estimate for any role: pg_stats shows only the columns the
-- role may SELECT, so hidden ones are flagged (``visible``) and the screen says so. Catalog
-- reads only; the cost grows with the number of columns, not with the data. The arrays come
-- unordered (no sort); attnums gives the column order.
WITH stats AS MATERIALIZED (
    SELECT s.schemaname, s.tablename, s.attname, s.avg_width, s.null_frac
    FROM pg_stats AS s
    WHERE NOT s.inherited AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
), cols AS (
    SELECT
        a.attrelid,
        array_agg(a.attnum) AS attnums,
        array_agg(a.attlen) AS lengths,
        array_agg(a.attalign::text) AS aligns,
        array_agg(s.avg_width) AS widths,
        array_agg(s.null_frac) AS null_fracs,
        -- a column without a pg_stats row: hidden from this role, or never analyzed?
        array_agg(s.avg_width IS NOT NULL OR has_column_privilege(a.attrelid, a.attnum, 'SELECT'))
            AS visible,
        bool_or(s.avg_width IS NOT NULL) AS has_stats
    FROM pg_class AS c0
    JOIN pg_namespace AS n0 ON n0.oid = c0.relnamespace
    JOIN pg_attribute AS a ON a.attrelid = c0.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN stats AS s
        ON s.schemaname = n0.nspname AND s.tablename = c0.relname AND s.attname = a.attname
    WHERE c0.relkind IN ('r', 'm')
      AND n0.nspname NOT IN ('pg_catalog', 'information_schema')
    GROUP BY a.attrelid
)
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
    cols.attnums,
    cols.lengths,
    cols.aligns,
    cols.widths,
    cols.null_fracs,
    cols.visible,
    current_setting('block_size')::int AS block_size
FROM cols
JOIN pg_class AS c ON c.oid = cols.attrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_class AS t ON t.oid = c.reltoastrelid
WHERE n.nspname !~ '^pg_toast'
