-- A table name as the user typed it ($1, e.g. public.script_versions), resolved by the server.
SELECT c.oid AS relid, n.nspname AS schema_name, c.relname AS table_name, c.relkind::text AS kind
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass($1)
