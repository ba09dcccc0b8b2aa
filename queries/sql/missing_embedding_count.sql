-- Scripts still without an embedding.
SELECT count(*) FROM scripts s
 WHERE NOT EXISTS (SELECT 1 FROM script_embeddings e WHERE e.script_id = s.id)
