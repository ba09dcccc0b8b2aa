-- What a VACUUM changes, read just before and just after it, for one table ($1). The sizes
-- open the relation (ACCESS SHARE), so this waits behind an ACCESS EXCLUSIVE lock.
SELECT
    pg_stat_get_live_tuples($1::oid) AS live_tuples,
    pg_stat_get_dead_tuples($1::oid) AS dead_tuples,
    pg_relation_size($1::oid::regclass) AS heap_bytes,
    pg_total_relation_size($1::oid::regclass) AS total_bytes,
    pg_stat_get_last_vacuum_time($1::oid) AS last_vacuum
