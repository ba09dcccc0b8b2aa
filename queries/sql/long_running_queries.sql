-- Client sessions whose current query has run at least $1 ms; psadmin's own left out.
SELECT a.pid,
       a.backend_start,
       a.usename AS user_name,
       a.application_name,
       host(a.client_addr) AS client_addr,
       a.datname,
       a.state,
       a.wait_event_type,
       a.wait_event,
       extract(epoch FROM statement_timestamp() - a.query_start) * 1000 AS query_ms,
       extract(epoch FROM statement_timestamp() - a.xact_start) AS xact_age_s,
       a.query_id,
       a.query
FROM pg_stat_activity AS a
WHERE a.backend_type = 'client backend'
  AND a.state IN ('active', 'fastpath function call')
  AND a.pid <> pg_backend_pid()
  AND a.application_name IS DISTINCT FROM 'psadmin'
  AND a.query_start <= statement_timestamp() - make_interval(secs => $1::float8 / 1000)
ORDER BY a.query_start
LIMIT 200
