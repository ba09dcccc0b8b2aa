-- One batch of embeddings; a script embedded meanwhile by someone else keeps its vector.
INSERT INTO script_embeddings (script_id, embedding, embedding_type, model_version)
SELECT b.script_id, b.embedding::vector, $3, $4
  FROM unnest($1::integer[], $2::text[]) AS b(script_id, embedding)
ON CONFLICT (script_id) DO NOTHING
