-- Ordinary and partitioned tables (not partitions, not extension members) without a primary
-- key. When a unique, non-partial, plain-column btree index over NOT NULL columns exists and
-- backs no constraint, it can be promoted without a table rewrite.
WITH t AS (
    SELECT c.oid, n.nspname, c.relname, c.relpages
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp)'
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'e')
)
SELECT t.nspname AS schema_name,
       t.relname AS table_name,
       t.relpages::bigint * current_setting('block_size')::bigint AS size_bytes,
       promote.relname AS promotable_index,
       CASE WHEN promote.relname IS NOT NULL THEN
                format('ALTER TABLE %I.%I ADD CONSTRAINT %I PRIMARY KEY USING INDEX %I;',
                       t.nspname, t.relname, promote.relname, promote.relname)
            ELSE format(E'-- no unique NOT NULL key to promote; this rewrites the table:\n'
                        'ALTER TABLE %I.%I ADD COLUMN %I bigint GENERATED ALWAYS AS IDENTITY '
                        'PRIMARY KEY;', t.nspname, t.relname,
                        CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a
                                          WHERE a.attrelid = t.oid AND a.attname = 'id')
                             THEN 'pk_id' ELSE 'id' END)
       END AS remediation
FROM t
LEFT JOIN LATERAL (
    SELECT ic.relname
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indrelid = t.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
      AND i.indexprs IS NULL AND i.indnkeyatts = i.indnatts
      AND ic.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) AS u(attnum)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = u.attnum
                      WHERE NOT a.attnotnull)
      AND NOT EXISTS (SELECT 1 FROM unnest(i.indoption::int2[]) AS o(opt) WHERE o.opt <> 0)
    ORDER BY i.indnkeyatts, ic.relname
    LIMIT 1
) promote ON true
ORDER BY t.nspname, t.relname
