-- Checks an index request against the catalog and builds its CREATE INDEX CONCURRENTLY with
-- every name quoted by the server. $1 schema, $2 table, $3 index name, $4 columns,
-- $5 access method, $6 operator classes ('' = the default), $7/$8 storage parameter names and
-- integer values. problem is NULL when the statement may run; existing_kind is the relkind of
-- what already has that name (NULL: nothing), existing_valid whether it is a valid index.
WITH t AS (
    SELECT c.oid, n.nspname, c.relname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'm')
),
am AS (
    SELECT a.oid, a.amname FROM pg_am a WHERE a.amname = $5 AND a.amtype = 'i'
),
cols AS (
    SELECT u.ord, u.col, nullif(u.opc, '') AS opc, a.attname, o.opcname, o.nspname AS opcnsp
    FROM unnest($4::text[], $6::text[]) WITH ORDINALITY AS u(col, opc, ord)
    LEFT JOIN t ON true
    LEFT JOIN pg_attribute a
      ON a.attrelid = t.oid AND a.attname = u.col AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN LATERAL (
        SELECT oc.opcname, ocn.nspname
        FROM pg_opclass oc
        JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
        WHERE oc.opcname = nullif(u.opc, '') AND oc.opcmethod = (SELECT oid FROM am)
        ORDER BY pg_opclass_is_visible(oc.oid) DESC, ocn.nspname
        LIMIT 1
    ) AS o ON true
),
opts AS (
    SELECT u.name, u.value, u.ord
    FROM unnest($7::text[], $8::int[]) WITH ORDINALITY AS u(name, value, ord)
)
SELECT CASE
         WHEN NOT EXISTS (SELECT 1 FROM t) THEN format('table %I.%I does not exist', $1, $2)
         WHEN NOT EXISTS (SELECT 1 FROM am) THEN format('unknown index method %L', $5)
         WHEN cardinality($4::text[]) = 0 THEN 'no columns given'
         WHEN cardinality($4::text[]) <> cardinality($6::text[])
              THEN 'one operator class per column is needed'
         WHEN octet_length($3) NOT BETWEEN 1 AND 63 THEN 'index names are 1 to 63 characters long'
         WHEN EXISTS (SELECT 1 FROM cols WHERE attname IS NULL)
              THEN format('no column %s in %I.%I',
                          (SELECT string_agg(format('%I', col), ', ' ORDER BY ord)
                           FROM cols WHERE attname IS NULL), $1, $2)
         WHEN EXISTS (SELECT 1 FROM cols WHERE opc IS NOT NULL AND opcname IS NULL)
              THEN format('no operator class %s for %s',
                          (SELECT string_agg(format('%I', opc), ', ' ORDER BY ord)
                           FROM cols WHERE opc IS NOT NULL AND opcname IS NULL), $5)
         WHEN EXISTS (SELECT 1 FROM opts WHERE name !~ '^[a-z_]{1,63}$')
              THEN 'storage parameter names are lower-case words'
       END AS problem,
       existing.relkind AS existing_kind,
       existing.indisvalid AS existing_valid,
       format('CREATE INDEX CONCURRENTLY %I ON %I.%I USING %I (%s)%s',
              $3, $1, $2, $5,
              (SELECT string_agg(format('%I', coalesce(attname, col))
                                 || CASE WHEN opcname IS NULL THEN ''
                                         ELSE format(' %I.%I', opcnsp, opcname) END,
                                 ', ' ORDER BY ord) FROM cols),
              coalesce((SELECT ' WITH (' || string_agg(format('%I = %s', name, value), ', '
                                                      ORDER BY ord) || ')' FROM opts), ''))
           AS statement
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT ic.relkind::text AS relkind, i.indisvalid
    FROM pg_class ic
    JOIN pg_namespace icn ON icn.oid = ic.relnamespace
    LEFT JOIN pg_index i ON i.indexrelid = ic.oid
    WHERE icn.nspname = $1 AND ic.relname = $3
) AS existing ON true
