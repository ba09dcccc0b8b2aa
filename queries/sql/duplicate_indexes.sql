-- Indexes another index of the same table makes redundant: same method, predicate, columns
-- (or, for btree without expressions, a leading prefix of the other's key columns) with the
-- same operator classes, collations and sort options, and included columns the other also
-- has. Unique or constraint-backing indexes are never the redundant side, except an exact
-- duplicate unique index that backs nothing. Of two mutual duplicates the newer one is reported.
-- Array slices are taken on both sides: slices are 1-based, int2vector/oidvector casts 0-based.
-- Either case needs the same table and first key column (0 for an expression), so one pass
-- over pg_index keeps only the indexes that share those with another; the detailed comparison
-- (method, arrays, expressions, constraints) then runs on those few, not on every index.
WITH candidates AS (
    SELECT peers.indexrelid
    FROM (
        SELECT i.indexrelid, count(*) OVER (PARTITION BY i.indrelid, i.indkey[0]) AS same_lead
        FROM pg_index i
        WHERE i.indisvalid AND i.indislive
    ) AS peers
    WHERE peers.same_lead > 1
),
idx AS (
    SELECT i.indexrelid, i.indrelid, c.relam, i.indnkeyatts AS nkey,
           (i.indkey::int2[])[0:i.indnkeyatts - 1] AS keycols,
           (i.indkey::int2[])[0:i.indnatts - 1] AS allcols,
           (i.indclass::oid[])[0:i.indnkeyatts - 1] AS opclasses,
           (i.indcollation::oid[])[0:i.indnkeyatts - 1] AS collations,
           (i.indoption::int2[])[0:i.indnkeyatts - 1] AS options,
           pg_get_expr(i.indexprs, i.indrelid) AS exprs,
           pg_get_expr(i.indpred, i.indrelid) AS pred,
           i.indisunique AS is_unique,
           (i.indisprimary OR i.indisexclusion
            OR EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid))
               AS enforces
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE i.indexrelid IN (SELECT indexrelid FROM candidates)
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp)'
),
pairs AS (
    SELECT a.indexrelid AS redundant, b.indexrelid AS covering,
           a.keycols = b.keycols AS exact
    FROM idx a
    JOIN idx b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid AND b.relam = a.relam
    WHERE NOT a.enforces
      AND a.pred IS NOT DISTINCT FROM b.pred
      AND a.allcols <@ b.allcols
      AND (
            -- the same key: same columns or expressions, classes, collations, order
            (a.keycols = b.keycols AND a.exprs IS NOT DISTINCT FROM b.exprs
             AND a.opclasses = b.opclasses AND a.collations = b.collations
             AND a.options = b.options
             AND (NOT a.is_unique OR b.is_unique)
             -- when b is just as redundant given a, keep the older of the two
             AND (b.enforces OR (b.is_unique AND NOT a.is_unique)
                  OR NOT b.allcols <@ a.allcols OR a.indexrelid > b.indexrelid))
         OR
            -- a leading prefix of a longer btree key
            (a.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
             AND a.exprs IS NULL AND b.exprs IS NULL AND NOT a.is_unique
             AND a.nkey < b.nkey
             AND a.keycols = b.keycols[1:a.nkey]
             AND a.opclasses = b.opclasses[1:a.nkey]
             AND a.collations = b.collations[1:a.nkey]
             AND a.options = b.options[1:a.nkey])
      )
),
best AS (
    SELECT DISTINCT ON (p.redundant) p.redundant, p.covering, p.exact
    FROM pairs p JOIN idx b ON b.indexrelid = p.covering
    ORDER BY p.redundant, p.exact DESC, b.enforces DESC, p.covering
)
SELECT n.nspname AS schema_name,
       t.relname AS table_name,
       ac.relname AS index_name,
       bc.relname AS covering_name,
       best.exact,
       ac.relpages::bigint * current_setting('block_size')::bigint AS size_bytes,
       ARRAY(SELECT CASE WHEN x.attnum = 0 THEN pg_get_indexdef(ai.indexrelid, x.k::int, true)
                         ELSE a.attname::text END
             FROM unnest((ai.indkey::int2[])[0:ai.indnkeyatts - 1]) WITH ORDINALITY AS x(attnum, k)
             LEFT JOIN pg_attribute a ON a.attrelid = ai.indrelid AND a.attnum = x.attnum
             ORDER BY x.k) AS columns,
       pg_get_indexdef(best.covering) AS covering_def,
       format('DROP INDEX CONCURRENTLY %I.%I;', n.nspname, ac.relname) AS remediation
FROM best
JOIN pg_index ai ON ai.indexrelid = best.redundant
JOIN pg_class ac ON ac.oid = best.redundant
JOIN pg_class bc ON bc.oid = best.covering
JOIN pg_class t ON t.oid = ai.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
ORDER BY n.nspname, t.relname, ac.relname
