-- The live shape of the tables $2 in schema $1: columns, indexes, primary/unique/foreign keys
-- and user triggers, one row per table with JSON lists; plus which functions of $3 exist there.
SELECT c.relname AS table_name,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                   'not_null', a.attnotnull) ORDER BY a.attnum), '[]')
        FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'name', ic.relname, 'method', am.amname, 'unique', i.indisunique,
                   'partial', i.indpred IS NOT NULL,
                   'columns', (SELECT jsonb_agg(CASE WHEN x.attnum = 0
                                                     THEN pg_get_indexdef(i.indexrelid, x.k::int, true)
                                                     ELSE a.attname::text END ORDER BY x.k)
                               FROM unnest((i.indkey::int2[])[0:i.indnkeyatts - 1])
                                    WITH ORDINALITY AS x(attnum, k)
                               LEFT JOIN pg_attribute a
                                 ON a.attrelid = i.indrelid AND a.attnum = x.attnum),
                   'opclasses', (SELECT jsonb_agg(CASE WHEN o.opcdefault THEN NULL
                                                       ELSE o.opcname END ORDER BY u.ord)
                                 FROM unnest((i.indclass::oid[])[0:i.indnkeyatts - 1])
                                      WITH ORDINALITY AS u(opc, ord)
                                 JOIN pg_opclass o ON o.oid = u.opc),
                   'options', coalesce(ic.reloptions, '{}'))), '[]')
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_am am ON am.oid = ic.relam
        WHERE i.indrelid = c.oid) AS indexes,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'name', k.conname, 'kind', k.contype,
                   'columns', (SELECT jsonb_agg(a.attname ORDER BY u.ord)
                               FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
                               JOIN pg_attribute a
                                 ON a.attrelid = k.conrelid AND a.attnum = u.attnum),
                   'references', r.relname,
                   'ref_columns', (SELECT jsonb_agg(a.attname ORDER BY u.ord)
                                   FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, ord)
                                   JOIN pg_attribute a
                                     ON a.attrelid = k.confrelid AND a.attnum = u.attnum),
                   'on_delete', k.confdeltype)), '[]')
        FROM pg_constraint k
        LEFT JOIN pg_class r ON r.oid = k.confrelid
        WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'f')) AS constraints,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'name', tg.tgname, 'function', p.proname,
                   'row', (tg.tgtype & 1) <> 0, 'before', (tg.tgtype & 2) <> 0,
                   'on_update', (tg.tgtype & 16) <> 0, 'enabled', tg.tgenabled <> 'D')), '[]')
        FROM pg_trigger tg
        JOIN pg_proc p ON p.oid = tg.tgfoid
        WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal) AS triggers,
       ARRAY(SELECT DISTINCT p.proname::text FROM pg_proc p
             JOIN pg_namespace pn ON pn.oid = p.pronamespace
             WHERE p.proname = ANY($3::text[])
               AND (pn.nspname = $1 OR pn.nspname = ANY(current_schemas(false)))) AS functions
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p')
ORDER BY c.relname
