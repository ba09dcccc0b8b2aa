-- Estimated btree bloat from the planner's statistics, without reading any index page (the
-- ioguix method): the pages the index would need freshly built at its fillfactor, from
-- reltuples and pg_stats.avg_width of its columns, against the pages it has. An index with a
-- column lacking statistics (never analyzed, not readable by this role) or of type name is
-- marked unreliable.
WITH const AS MATERIALIZED (
    SELECT current_setting('block_size')::float8 AS bs,
           CASE WHEN version() ~ 'mingw32|64-bit|x86_64|ppc64|ia64|amd64|aarch64' THEN 8
                ELSE 4 END AS maxalign,
           24 AS pagehdr,
           16 AS pageopqdata
),
stats AS MATERIALIZED (
    -- read the pg_stats view once (it checks privileges row by row), then hash-join to it
    SELECT schemaname, tablename, attname, null_frac, avg_width
    FROM pg_stats
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
),
idx AS (
    SELECT i.indexrelid, i.indrelid, n.nspname, t.relname AS tblname, ic.relname AS idxname,
           ic.reltuples, ic.relpages, i.indnatts,
           coalesce(substring(array_to_string(ic.reloptions, ' ')
                              FROM 'fillfactor=([0-9]+)')::int, 90) AS fillfactor,
           (i.indkey::int2[])[0:i.indnatts - 1] AS indkey
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE ic.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
      AND ic.relpages > 0
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp)'
),
cols AS (
    -- one row per index column; expression columns take their stats from the index itself
    SELECT idx.indexrelid, s.null_frac, s.avg_width,
           s.attname IS NULL OR a.atttypid = 'pg_catalog.name'::regtype AS unknown
    FROM idx
    CROSS JOIN LATERAL unnest(idx.indkey) WITH ORDINALITY AS x(attnum, pos)
    JOIN pg_attribute a
      ON a.attrelid = CASE WHEN x.attnum = 0 THEN idx.indexrelid ELSE idx.indrelid END
     AND a.attnum = CASE WHEN x.attnum = 0 THEN x.pos::int2 ELSE x.attnum END
    JOIN pg_class ac ON ac.oid = a.attrelid
    LEFT JOIN stats s
      ON s.schemaname = idx.nspname AND s.tablename = ac.relname AND s.attname = a.attname
),
widths AS (
    SELECT idx.*,
           CASE WHEN max(coalesce(c.null_frac, 0)) = 0 THEN 8 ELSE 8 + (32 + 8 - 1) / 8 END
               AS tuple_hdr,
           sum((1 - coalesce(c.null_frac, 0)) * coalesce(c.avg_width, 1024)) AS data_width,
           bool_or(c.unknown) AS unknown
    FROM idx JOIN cols c ON c.indexrelid = idx.indexrelid
    GROUP BY idx.indexrelid, idx.indrelid, idx.nspname, idx.tblname, idx.idxname, idx.reltuples,
             idx.relpages, idx.indnatts, idx.fillfactor, idx.indkey
),
sized AS (
    SELECT w.*, k.bs,
           (w.tuple_hdr + k.maxalign
                - CASE WHEN w.tuple_hdr % k.maxalign = 0 THEN k.maxalign
                       ELSE w.tuple_hdr % k.maxalign END
            + w.data_width + k.maxalign
                - CASE WHEN w.data_width = 0 THEN 0
                       WHEN w.data_width::int % k.maxalign = 0 THEN k.maxalign
                       ELSE w.data_width::int % k.maxalign END)::numeric AS tuple_width,
           k.pagehdr, k.pageopqdata
    FROM widths w CROSS JOIN const k
),
estimated AS (
    SELECT s.*,
           coalesce(1 + ceil(greatest(s.reltuples, 0)
                             / floor((s.bs - s.pageopqdata - s.pagehdr) * s.fillfactor
                                     / (100 * (4 + s.tuple_width)))), 0) AS est_pages
    FROM sized s
)
SELECT nspname AS schema_name,
       tblname AS table_name,
       idxname AS index_name,
       (bs * relpages)::bigint AS size_bytes,
       (bs * greatest(relpages - est_pages, 0))::bigint AS bloat_bytes,
       greatest(relpages - est_pages, 0)::float8 / relpages AS bloat_ratio,
       NOT unknown AS reliable
FROM estimated
ORDER BY bloat_bytes DESC, nspname, idxname
