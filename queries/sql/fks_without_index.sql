-- Foreign keys whose columns are not the leading key columns (in any order) of a valid,
-- non-partial index on the referencing table: every DELETE or key UPDATE on the referenced
-- table then scans the referencing one. The suggested index name is checked for clashes.
-- Sizes are pg_class.relpages (as of the last VACUUM/ANALYZE), so no file is read.
WITH fk AS (
    SELECT k.oid, k.conname, k.conrelid, k.confrelid, k.conkey, n.nspname, t.relname,
           t.relpages, n.oid AS nsp_oid
    FROM pg_constraint k
    JOIN pg_class t ON t.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE k.contype = 'f'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp)'
      AND NOT EXISTS (
          SELECT 1 FROM pg_index i
          WHERE i.indrelid = k.conrelid AND i.indisvalid AND i.indpred IS NULL
            AND i.indnkeyatts >= cardinality(k.conkey)
            AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] @> k.conkey
            AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] <@ k.conkey)
),
-- One row per key column first (materialized), so the names come from one pg_attribute lookup
-- per column: left to itself the planner reads every attribute of the table and unnests the
-- key once per attribute.
keys AS MATERIALIZED (
    SELECT fk.oid, fk.conrelid, fk.relname, u.attnum, u.ord
    FROM fk
    CROSS JOIN LATERAL unnest(fk.conkey) WITH ORDINALITY AS u(attnum, ord)
),
cols AS (  -- column names in one set-wise pass over pg_attribute
    SELECT k.oid,
           array_agg(a.attname::text ORDER BY k.ord) AS columns,
           string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) AS quoted,
           left(k.relname || '_' || string_agg(a.attname, '_' ORDER BY k.ord), 59) || '_idx'
               AS base_name
    FROM keys k
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.attnum
    GROUP BY k.oid, k.relname
),
named AS (
    SELECT fk.*, cols.columns, cols.quoted,
           CASE WHEN EXISTS (SELECT 1 FROM pg_class c
                             WHERE c.relnamespace = fk.nsp_oid AND c.relname = cols.base_name)
                THEN left(cols.base_name, 50) || '_' || fk.oid::text
                ELSE cols.base_name END AS index_name
    FROM fk JOIN cols ON cols.oid = fk.oid
)
SELECT c.nspname AS schema_name,
       c.relname AS table_name,
       c.conname AS constraint_name,
       c.columns,
       r.relname AS referenced_table,
       rn.nspname AS referenced_schema,
       c.relpages::bigint * current_setting('block_size')::bigint AS table_bytes,
       c.index_name,
       format('CREATE INDEX CONCURRENTLY %I ON %I.%I (%s);',
              c.index_name, c.nspname, c.relname, c.quoted) AS remediation
FROM named c
JOIN pg_class r ON r.oid = c.confrelid
JOIN pg_namespace rn ON rn.oid = r.relnamespace
ORDER BY c.nspname, c.relname, c.conname
