-- userid 0 and queryid 0 mean every role and statement; 1.11+ returns the reset time.
SELECT /* schema */pg_stat_statements_reset(
    0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)
