WITH sessions AS (
    SELECT pid, state, wait_event_type, xact_start
    FROM pg_stat_activity
    WHERE backend_type = 'client backend'
), counters AS (
    SELECT coalesce(sum(xact_commit + xact_rollback), 0)::bigint AS xact_total,
           coalesce(sum(blks_hit), 0)::bigint AS blks_hit,
           coalesce(sum(blks_read), 0)::bigint AS blks_read,
           coalesce(sum(deadlocks), 0)::bigint AS deadlocks
    FROM pg_stat_database
)
SELECT clock_timestamp() AS taken_at,
       pg_postmaster_start_time() AS started_at,
       (SELECT count(*) FROM sessions)::int AS connections,
       (SELECT count(*) FROM sessions WHERE state = 'active')::int AS active,
       (SELECT count(*) FROM sessions
         WHERE state IN ('idle in transaction', 'idle in transaction (aborted)'))::int
           AS idle_in_transaction,
       (SELECT count(*) FROM sessions WHERE wait_event_type = 'Lock')::int AS waiting_on_locks,
       (SELECT extract(epoch FROM clock_timestamp() - min(xact_start))
          FROM sessions WHERE pid <> pg_backend_pid())::float8
           AS longest_transaction_s,
       counters.*
FROM counters
