-- Cancel psadmin's own VACUUM ($1: the admin connection's pid), only while it runs one.
SELECT pg_cancel_backend(pid) AS cancelled
FROM pg_stat_activity
WHERE pid = $1 AND state = 'active' AND query LIKE '/* psadmin:vacuum */%'
