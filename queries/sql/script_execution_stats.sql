-- What execution_logs says about one script: runs by status, timings, the last error.
WITH logs AS (
    SELECT status, execution_time, created_at, error_message
      FROM execution_logs
     WHERE script_id = $1
)
SELECT (SELECT count(*) FROM logs) AS total,
       (SELECT coalesce(jsonb_object_agg(status, n), '{}'::jsonb)::text
          FROM (SELECT status, count(*) AS n FROM logs GROUP BY status) AS per_status)
           AS by_status,
       (SELECT avg(execution_time) FROM logs) AS mean_ms,
       (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY execution_time) FROM logs) AS p95_ms,
       (SELECT max(created_at) FROM logs)::timestamptz AS last_at,
       (SELECT count(*) FROM logs WHERE created_at > now() - interval '30 days') AS last_30_days,
       (SELECT error_message FROM logs
         WHERE error_message IS NOT NULL
         ORDER BY created_at DESC NULLS LAST
         LIMIT 1) AS last_error
