SELECT l.pid,
       l.mode,
       CASE WHEN l.relation IS NOT NULL THEN l.locktype || ' ' || l.relation::regclass::text
            ELSE l.locktype END AS target,
       extract(epoch FROM now() - l.waitstart)::float8 AS wait_s
FROM pg_locks l
WHERE NOT l.granted AND l.pid = ANY($1::int[])
