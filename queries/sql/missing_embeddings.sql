-- The next batch of scripts without an embedding, in id order after $1.
SELECT s.id, s.title, s.description, s.content
  FROM scripts s
 WHERE s.id > $1
   AND NOT EXISTS (SELECT 1 FROM script_embeddings e WHERE e.script_id = s.id)
 ORDER BY s.id
 LIMIT $2
