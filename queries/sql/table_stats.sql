-- Every refresh: the cumulative statistics of the listed tables ($1, oids from the catalog
-- read). Only shared-memory counters are read; no catalog table is scanned.
SELECT
    r.relid,
    pg_stat_get_live_tuples(r.relid) AS n_live_tup,
    pg_stat_get_dead_tuples(r.relid) AS n_dead_tup,
    pg_stat_get_mod_since_analyze(r.relid) AS n_mod_since_analyze,
    pg_stat_get_ins_since_vacuum(r.relid) AS n_ins_since_vacuum,
    pg_stat_get_last_vacuum_time(r.relid) AS last_vacuum,
    pg_stat_get_last_autovacuum_time(r.relid) AS last_autovacuum,
    pg_stat_get_last_analyze_time(r.relid) AS last_analyze,
    pg_stat_get_last_autoanalyze_time(r.relid) AS last_autoanalyze,
    pg_stat_get_vacuum_count(r.relid) AS vacuum_count,
    pg_stat_get_autovacuum_count(r.relid) AS autovacuum_count,
    pg_stat_get_analyze_count(r.relid) AS analyze_count,
    pg_stat_get_autoanalyze_count(r.relid) AS autoanalyze_count
FROM unnest($1::oid[]) AS r(relid)
