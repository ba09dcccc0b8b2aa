SELECT clock_timestamp() AS taken_at, i.stats_reset, i.dealloc
FROM /* schema */pg_stat_statements_info AS i
