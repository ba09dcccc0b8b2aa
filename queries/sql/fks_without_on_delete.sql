-- Foreign keys with no ON DELETE rule (NO ACTION): deleting a referenced row fails while rows
-- still point at it, which is rarely what was meant. The remediation keeps the rest of the
-- definition (MATCH, ON UPDATE, DEFERRABLE) and validates without a long lock.
WITH fk AS (
    SELECT k.oid, k.conname, k.conrelid, k.confrelid, k.conkey, k.confkey, k.confmatchtype,
           k.confupdtype, k.condeferrable, k.condeferred, n.nspname, t.relname,
           rn.nspname AS ref_nspname, r.relname AS ref_relname
    FROM pg_constraint k
    JOIN pg_class t ON t.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_class r ON r.oid = k.confrelid
    JOIN pg_namespace rn ON rn.oid = r.relnamespace
    WHERE k.contype = 'f' AND k.confdeltype = 'a'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp)'
),
cols AS (  -- both column lists in one set-wise pass over pg_attribute
    SELECT fk.oid,
           array_agg(a.attname::text ORDER BY u.ord) FILTER (WHERE u.side = 'f') AS columns,
           string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
               FILTER (WHERE u.side = 'f') AS quoted,
           string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
               FILTER (WHERE u.side = 'r') AS ref_quoted
    FROM fk
    CROSS JOIN LATERAL (
        SELECT 'f' AS side, fk.conrelid AS rel, x.attnum, x.ord
        FROM unnest(fk.conkey) WITH ORDINALITY AS x(attnum, ord)
        UNION ALL
        SELECT 'r', fk.confrelid, x.attnum, x.ord
        FROM unnest(fk.confkey) WITH ORDINALITY AS x(attnum, ord)
    ) AS u
    JOIN pg_attribute a ON a.attrelid = u.rel AND a.attnum = u.attnum
    GROUP BY fk.oid
)
SELECT fk.nspname AS schema_name,
       fk.relname AS table_name,
       fk.conname AS constraint_name,
       cols.columns,
       fk.ref_nspname AS referenced_schema,
       fk.ref_relname AS referenced_table,
       format(E'-- choose CASCADE, SET NULL or RESTRICT\n'
              || 'ALTER TABLE %1$I.%2$I DROP CONSTRAINT %3$I, ADD CONSTRAINT %3$I '
              || 'FOREIGN KEY (%4$s) REFERENCES %5$I.%6$I (%7$s)%8$s ON DELETE RESTRICT%9$s%10$s '
              || E'NOT VALID;\nALTER TABLE %1$I.%2$I VALIDATE CONSTRAINT %3$I;',
              fk.nspname, fk.relname, fk.conname, cols.quoted, fk.ref_nspname, fk.ref_relname,
              cols.ref_quoted,
              CASE fk.confmatchtype WHEN 'f' THEN ' MATCH FULL' ELSE '' END,
              CASE fk.confupdtype WHEN 'r' THEN ' ON UPDATE RESTRICT'
                                  WHEN 'c' THEN ' ON UPDATE CASCADE'
                                  WHEN 'n' THEN ' ON UPDATE SET NULL'
                                  WHEN 'd' THEN ' ON UPDATE SET DEFAULT' ELSE '' END,
              CASE WHEN fk.condeferred THEN ' DEFERRABLE INITIALLY DEFERRED'
                   WHEN fk.condeferrable THEN ' DEFERRABLE' ELSE '' END) AS remediation
FROM fk
JOIN cols ON cols.oid = fk.oid
ORDER BY fk.nspname, fk.relname, fk.conname
