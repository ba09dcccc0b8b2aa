SELECT e.extversion AS extension_version,
       quote_ident(n.nspname) AS extension_schema,
       EXISTS (SELECT 1 FROM pg_settings WHERE name LIKE 'pg_stat_statements.%') AS preloaded,
       (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries')
           AS preload_libraries,
       (SELECT setting FROM pg_settings WHERE name = 'compute_query_id') AS compute_query_id,
       CASE WHEN e.extversion IS NULL THEN
           EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements')
       END AS installable,
       coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
           OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS sees_all,
       quote_ident(current_user) AS role,
       quote_ident(current_database()) AS database
FROM (SELECT 1) AS one
LEFT JOIN pg_extension e ON e.extname = 'pg_stat_statements'
LEFT JOIN pg_namespace n ON n.oid = e.extnamespace
