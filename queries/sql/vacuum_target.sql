-- The table a VACUUM acts on, resolved from its oid and quoted by the server (catalog only:
-- takes no lock on the table). Who may VACUUM (15/16): the owner, the database owner (not
-- shared catalogs), or a superuser.
SELECT
    format('%I.%I', n.nspname, c.relname) AS quoted,
    n.nspname AS schema_name,
    c.relname AS table_name,
    c.relkind::text AS kind,
    pg_get_userbyid(c.relowner) AS owner,
    pg_has_role(c.relowner, 'USAGE')
        OR (pg_has_role(d.datdba, 'USAGE') AND NOT c.relisshared) AS can_vacuum
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
CROSS JOIN (SELECT datdba FROM pg_database WHERE datname = current_database()) AS d
WHERE c.oid = $1 AND c.relkind IN ('r', 'm', 'p', 't')
