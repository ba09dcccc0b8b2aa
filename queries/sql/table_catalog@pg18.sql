-- The tables the Tables screen lists, as the catalog describes them (read on open, every minute
-- and after a VACUUM): sizes from pg_class.relpages (no relation is opened), reloptions, owner,
-- transaction-ID age. Who may VACUUM (17+): MAINTAIN on the table (owners, pg_maintain members,
-- superusers) or the database owner (not shared catalogs).
SELECT
    c.oid AS relid,
    n.nspname AS schema_name,
    c.relname AS table_name,
    c.relkind::text AS kind,
    c.relpages AS pages,
    c.reltuples::float8 AS reltuples,
    c.relallvisible AS all_visible_pages,
    c.relallfrozen AS all_frozen_pages,
    coalesce(ix.pages, 0) AS index_pages,
    coalesce(t.relpages, 0) AS toast_pages,
    CASE WHEN c.relkind IN ('r', 'm') THEN greatest(age(c.relfrozenxid), age(t.relfrozenxid)) END
        AS xid_age,
    c.reloptions,
    pg_get_userbyid(c.relowner) AS owner,
    has_table_privilege(c.oid, 'MAINTAIN')
        OR (pg_has_role(d.datdba, 'USAGE') AND NOT c.relisshared)
        AS can_vacuum,
    current_setting('block_size')::int AS block_size
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_class AS t ON t.oid = c.reltoastrelid
LEFT JOIN (
    SELECT x.indrelid, sum(i.relpages)::bigint AS pages
    FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid
    GROUP BY x.indrelid
) AS ix ON ix.indrelid = c.oid
CROSS JOIN (SELECT datdba FROM pg_database WHERE datname = current_database()) AS d
WHERE c.relkind IN ('r', 'm', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast'
ORDER BY n.nspname, c.relname
