-- Who holds a lock on the table ($1) that a VACUUM could not get within its lock_timeout.
SELECT l.pid, l.mode, a.application_name, a.state, a.usename
FROM pg_locks AS l
LEFT JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.relation = $1 AND l.granted AND l.pid <> pg_backend_pid()
ORDER BY l.pid
LIMIT 5
