-- Trigram (pg_trgm) indexes on the searchable columns of scripts: text search uses word
-- similarity on these columns when there are any, else ILIKE.
SELECT a.attname AS column_name,
       ic.relname AS index_name
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_opclass oc ON oc.oid = i.indclass[0]
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
 WHERE i.indrelid = to_regclass('scripts')
   AND i.indisvalid
   AND oc.opcname IN ('gin_trgm_ops', 'gist_trgm_ops')
   AND a.attname IN ('title', 'description', 'content')
 ORDER BY a.attnum, ic.relname
