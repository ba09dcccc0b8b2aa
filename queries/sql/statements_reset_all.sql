-- Before extension version 1.7 the reset takes no arguments: every database at once.
SELECT /* schema */pg_stat_statements_reset()
