-- Builds (it does not run) one statement counting, for each junction column, the rows whose
-- referenced row is missing. Every identifier is quoted here by format(%I); checks whose
-- table or column does not exist in schema $1 are left out. NULL when none remain. Keys are
-- compared as text so a drifted column type cannot make the whole audit fail.
-- $2..$5: table, column, referenced table, referenced column (parallel arrays).
SELECT string_agg(
           format('SELECT %L::text AS table_name, %L::text AS column_name, '
                  '%L::text AS referenced_table, %L::text AS referenced_column, count(*) AS orphans '
                  'FROM %I.%I AS j WHERE j.%I IS NOT NULL AND NOT EXISTS '
                  '(SELECT 1 FROM %I.%I AS p WHERE p.%I::text = j.%I::text)',
                  u.tbl, u.col, u.ref, u.refcol,
                  $1::text, u.tbl, u.col, $1::text, u.ref, u.refcol, u.col),
           ' UNION ALL ' ORDER BY u.ord)
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
         WITH ORDINALITY AS u(tbl, col, ref, refcol, ord)
WHERE EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = to_regclass(format('%I.%I', $1::text, u.tbl))
                AND a.attname = u.col AND NOT a.attisdropped)
  AND EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = to_regclass(format('%I.%I', $1::text, u.ref))
                AND a.attname = u.refcol AND NOT a.attisdropped)
