SELECT backend_start,
       (pid = pg_backend_pid() OR application_name = 'psadmin') AS own
FROM pg_stat_activity
WHERE pid = $1
