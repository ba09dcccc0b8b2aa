-- Numbers only (showtext := false): the texts live in a file the server would read in full.
SELECT /* columns */
FROM /* schema */pg_stat_statements(false) AS s
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
