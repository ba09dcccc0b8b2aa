SELECT now() AS taken_at,
       a.pid,
       a.backend_start,
       a.usename AS user_name,
       coalesce(a.application_name, '') AS application_name,
       host(a.client_addr) AS client_addr,
       a.datname,
       a.state,
       a.wait_event_type,
       a.wait_event,
       extract(epoch FROM now() - a.backend_start)::float8 AS backend_age_s,
       extract(epoch FROM now() - a.xact_start)::float8 AS xact_age_s,
       extract(epoch FROM now() - a.query_start)::float8 AS query_age_s,
       extract(epoch FROM now() - a.state_change)::float8 AS state_age_s,
       coalesce(a.query, '') AS query,
       -- pg_blocking_pids() takes the lock manager's locks: only for sessions waiting on one
       CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by,
       (a.pid = pg_backend_pid()
        OR a.application_name = 'psadmin'
        OR a.query LIKE '/* psadmin:%') AS own,
       CASE WHEN me.rolsuper THEN true
            WHEN r.rolsuper THEN false
            ELSE coalesce(pg_has_role(a.usesysid, 'USAGE'), false)
                 OR pg_has_role('pg_signal_backend', 'USAGE')
       END AS can_signal
FROM pg_stat_activity a
LEFT JOIN pg_roles r ON r.oid = a.usesysid
CROSS JOIN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) me
-- without pg_read_all_stats another role's backend_type is NULL; datid still shows a client
WHERE a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.datid IS NOT NULL)
