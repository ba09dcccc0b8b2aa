-- The schema holding all of the tables in $1 (PSScript's core tables), preferring the
-- search_path order; no row when there is none.
SELECT n.nspname AS schema_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p')
GROUP BY n.nspname
HAVING count(DISTINCT c.relname) = cardinality($1::text[])
ORDER BY coalesce(array_position(current_schemas(false), n.nspname::text), 1000), n.nspname
LIMIT 1
