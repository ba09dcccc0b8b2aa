-- Inside the measurement's transaction: find pgstattuple's schema, put it on the search_path
-- and give the next statement its own statement_timeout ($1, milliseconds). No row: not installed.
SELECT
    n.nspname,
    set_config('search_path', quote_ident(n.nspname) || ', pg_catalog', true) AS search_path,
    set_config('statement_timeout', $1, true) AS statement_timeout
FROM pg_extension AS e
JOIN pg_namespace AS n ON n.oid = e.extnamespace
WHERE e.extname = 'pgstattuple'
