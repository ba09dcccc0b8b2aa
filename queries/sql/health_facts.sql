WITH sessions AS (
    SELECT pid, state, xact_start, state_change, application_name
      FROM pg_stat_activity
     WHERE backend_type = 'client backend'
), this_db AS (
    SELECT datname, deadlocks, blks_hit, blks_read, stats_reset
      FROM pg_stat_database
     WHERE datname = current_database()
), oldest_xact AS (
    SELECT pid, extract(epoch FROM clock_timestamp() - xact_start)::float8 AS age_s
      FROM sessions
     WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
     ORDER BY xact_start
     LIMIT 1
), idle_xact AS (
    SELECT pid, extract(epoch FROM clock_timestamp() - state_change)::float8 AS age_s,
           count(*) OVER () AS sessions
      FROM sessions
     WHERE state IN ('idle in transaction', 'idle in transaction (aborted)')
     ORDER BY state_change
     LIMIT 1
), frozen AS (
    SELECT datname, age(datfrozenxid)::bigint AS xid_age
      FROM pg_database
     ORDER BY age(datfrozenxid) DESC
     LIMIT 1
)
SELECT clock_timestamp() AS taken_at,
       pg_postmaster_start_time() AS started_at,
       this_db.datname AS database,
       this_db.deadlocks,
       this_db.blks_hit,
       this_db.blks_read,
       this_db.stats_reset,
       (SELECT count(*) FROM sessions)::int AS connections,
       (SELECT coalesce(jsonb_object_agg(name, n), '{}'::jsonb)::text
          FROM (SELECT application_name AS name, count(*) AS n
                  FROM sessions
                 WHERE application_name = ANY ($1::text[])
                 GROUP BY application_name) AS apps) AS app_connections,
       (SELECT pid FROM oldest_xact) AS oldest_xact_pid,
       (SELECT age_s FROM oldest_xact) AS oldest_xact_s,
       coalesce((SELECT sessions FROM idle_xact), 0)::int AS idle_in_transaction,
       (SELECT pid FROM idle_xact) AS oldest_idle_pid,
       (SELECT age_s FROM idle_xact) AS oldest_idle_s,
       frozen.datname AS oldest_xid_database,
       frozen.xid_age,
       current_setting('autovacuum_freeze_max_age')::bigint AS freeze_max_age
  FROM this_db, frozen
