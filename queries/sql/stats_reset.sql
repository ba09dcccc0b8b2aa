SELECT now() AS taken_at, d.stats_reset
FROM pg_stat_database d
WHERE d.datname = current_database()
