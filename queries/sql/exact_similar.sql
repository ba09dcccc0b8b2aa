-- The exact top-k nearest to script $1: run with index scans off, so every embedding is
-- compared (recall checks and "exact" searches). Ties are broken by id.
WITH nearest AS MATERIALIZED (
    SELECT e.script_id,
           e.embedding <=> (SELECT q.embedding FROM script_embeddings q
                             WHERE q.script_id = $1) AS distance
      FROM script_embeddings e
     WHERE e.script_id <> $1
     ORDER BY distance, e.script_id
     LIMIT $2
)
SELECT n.script_id AS id, s.title, c.name AS category, n.distance
  FROM nearest n
  JOIN scripts s ON s.id = n.script_id
  LEFT JOIN categories c ON c.id = s.category_id
 ORDER BY n.distance, n.script_id
