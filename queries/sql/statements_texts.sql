SELECT s.userid, s.queryid, /* toplevel */ AS toplevel, s.query
FROM /* schema */pg_stat_statements(true) AS s
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  -- a comma-separated text, not an array: no per-connection array type introspection
  AND s.queryid = ANY(string_to_array($1::text, ',')::bigint[])
