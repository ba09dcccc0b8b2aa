-- Every HNSW and IVFFlat index in the database, with build options, size and validity.
SELECT ic.relname AS name,
       t.relname AS table_name,
       pg_get_indexdef(i.indexrelid, 1, true) AS column_name,
       am.amname AS method,
       oc.opcname AS opclass,
       ic.reloptions,
       pg_relation_size(ic.oid) AS size_bytes,
       i.indisvalid AS valid,
       pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_am am ON am.oid = ic.relam
  JOIN pg_opclass oc ON oc.oid = i.indclass[0]
 WHERE am.amname IN ('hnsw', 'ivfflat')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
 ORDER BY t.relname, ic.relname
