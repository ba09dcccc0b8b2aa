-- Valid indexes never scanned since the statistics were reset that enforce nothing: not unique,
-- not primary, not exclusion, not backing any constraint. supports_fk names a foreign key
-- whose checks it serves (dropping it would make deletes on the referenced table scan).
-- Sizes come from pg_class.relpages (as of the last VACUUM, ANALYZE or build): reading every
-- index's file size would cost more than the whole rest of the audit on a large catalog.
-- Column names and foreign keys are joined set-wise, not looked up once per index.
WITH unused AS (
    SELECT i.indexrelid, i.indrelid, i.indkey, i.indnkeyatts, i.indpred,
           n.nspname, t.relname AS table_name, c.relname AS index_name, c.relpages
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE t.relkind IN ('r', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp)'
      AND i.indisvalid
      AND NOT (i.indisunique OR i.indisprimary OR i.indisexclusion)
      -- "< 1", not "= 0": the planner then expects many rows and hash-joins the catalogs
      AND pg_stat_get_numscans(i.indexrelid) < 1
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
),
cols AS (
    SELECT u.indexrelid,
           array_agg(CASE WHEN x.attnum = 0 THEN pg_get_indexdef(u.indexrelid, x.k::int, true)
                          ELSE a.attname::text END ORDER BY x.k) AS columns
    FROM unused u
    CROSS JOIN LATERAL unnest((u.indkey::int2[])[0:u.indnkeyatts - 1])
                       WITH ORDINALITY AS x(attnum, k)
    -- An equality the attribute index cannot serve, so one hash join over pg_attribute: the
    -- planner expects a few dozen unused indexes and would probe the index once per key
    -- column, which costs more than the scan when thousands are unused (a fresh database).
    LEFT JOIN pg_attribute a ON a.attrelid::int8 = u.indrelid::int8 AND a.attnum = x.attnum
    GROUP BY u.indexrelid
),
fks AS (
    SELECT DISTINCT ON (u.indexrelid) u.indexrelid, k.conname
    FROM unused u
    JOIN pg_constraint k ON k.conrelid = u.indrelid AND k.contype = 'f'
    WHERE u.indpred IS NULL
      AND u.indnkeyatts >= cardinality(k.conkey)
      AND (u.indkey::int2[])[0:cardinality(k.conkey) - 1] @> k.conkey
      AND (u.indkey::int2[])[0:cardinality(k.conkey) - 1] <@ k.conkey
    ORDER BY u.indexrelid, k.conname
)
SELECT u.nspname AS schema_name,
       u.table_name,
       u.index_name,
       u.relpages::bigint * current_setting('block_size')::bigint AS size_bytes,
       cols.columns,
       fks.conname AS supports_fk,
       format('DROP INDEX CONCURRENTLY %I.%I;', u.nspname, u.index_name) AS remediation
FROM unused u
JOIN cols ON cols.indexrelid = u.indexrelid
LEFT JOIN fks ON fks.indexrelid = u.indexrelid
-- no ORDER BY: the audit sorts every finding by level, kind and key anyway, and this is the
-- check with the most rows (every index of a fresh database)
