-- Scripts to check recall with: a random sample of those with an embedding.
SELECT e.script_id, s.category_id
  FROM (SELECT script_id FROM script_embeddings
         WHERE script_id IS NOT NULL
         ORDER BY random()
         LIMIT $1) e
  JOIN scripts s ON s.id = e.script_id
