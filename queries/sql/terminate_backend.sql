SELECT pg_terminate_backend(pid, $3) AS signalled
FROM pg_stat_activity
WHERE pid = $1 AND backend_start = $2 AND pid <> pg_backend_pid()
  AND application_name IS DISTINCT FROM 'psadmin'
