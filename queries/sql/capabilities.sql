SELECT current_setting('server_version_num')::int AS server_version_num,
       current_setting('server_version') AS server_version,
       current_database() AS database,
       current_user AS role,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
       pg_has_role(current_user, 'pg_monitor', 'USAGE') AS pg_monitor,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS pg_read_all_stats,
       pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS pg_signal_backend,
       current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS superuser_reserved_connections,
       coalesce(current_setting('reserved_connections', true), '0')::int AS reserved_connections,
       EXISTS (SELECT 1 FROM pg_settings WHERE name LIKE 'pg_stat_statements.%')
           AS pg_stat_statements_preloaded,
       coalesce((SELECT json_object_agg(extname, extversion) FROM pg_extension), '{}')::text
           AS extensions
