-- Embedding coverage: scripts without a vector, vectors older than the script's latest
-- version, and the dimension the column type declares (-1: unconstrained).
SELECT (SELECT count(*) FROM scripts) AS scripts,
       (SELECT count(*) FROM script_embeddings) AS embedded,
       (SELECT count(*) FROM scripts s
         WHERE NOT EXISTS (SELECT 1 FROM script_embeddings e WHERE e.script_id = s.id))
           AS missing,
       (SELECT count(*) FROM script_embeddings e
         WHERE EXISTS (SELECT 1 FROM script_versions v
                        WHERE v.script_id = e.script_id
                          AND v.created_at > coalesce(e.updated_at, e.created_at))) AS stale,
       (SELECT a.atttypmod FROM pg_attribute a
         WHERE a.attrelid = 'script_embeddings'::regclass
           AND a.attname = 'embedding') AS dimension,
       ('[1]'::vector IS NOT NULL) AS pgvector_loaded,
       now() AS as_of
