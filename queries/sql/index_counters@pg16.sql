-- Between catalog reads: the usage counters of the listed indexes ($1, oids from
-- index_catalog.sql), from the cumulative statistics in shared memory, as
-- pg_stat_user_indexes and pg_statio_user_indexes compute them. The join drops an index
-- dropped since (its counters would read 0) and gives indisvalid as it is now (a concurrent
-- build turns valid when it ends). PostgreSQL 16+ (last_scan).
SELECT r.oid,
       pg_stat_get_numscans(r.oid) AS scans,
       pg_stat_get_lastscan(r.oid) AS last_scan,
       pg_stat_get_tuples_returned(r.oid) AS tuples_read,
       pg_stat_get_tuples_fetched(r.oid) AS tuples_fetched,
       pg_stat_get_blocks_hit(r.oid) AS blocks_hit,
       pg_stat_get_blocks_fetched(r.oid) - pg_stat_get_blocks_hit(r.oid) AS blocks_read,
       x.indisvalid AS is_valid
FROM unnest($1::oid[]) AS r(oid)
JOIN pg_index AS x ON x.indexrelid = r.oid
