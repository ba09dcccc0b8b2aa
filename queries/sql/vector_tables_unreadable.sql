-- The PSScript tables the Scripts screen reads that this role may not SELECT, and the role
-- quoted for a GRANT.
SELECT coalesce(array_agg(t ORDER BY t), '{}') AS tables, quote_ident(current_user) AS role
  FROM unnest($1::text[]) AS t
 WHERE to_regclass(t) IS NOT NULL AND NOT has_table_privilege(to_regclass(t), 'SELECT')
