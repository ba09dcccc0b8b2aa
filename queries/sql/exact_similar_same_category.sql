-- The exact top-k nearest to script $1 within category $3 (run with index scans off). A
-- plain join here: without the index the planner should pick the cheapest way to the subset.
WITH nearest AS MATERIALIZED (
    SELECT e.script_id,
           e.embedding <=> (SELECT q.embedding FROM script_embeddings q
                             WHERE q.script_id = $1) AS distance
      FROM script_embeddings e
      JOIN scripts s ON s.id = e.script_id
     WHERE e.script_id <> $1
       AND s.category_id = $3
     ORDER BY distance, e.script_id
     LIMIT $2
)
SELECT n.script_id AS id, s.title, c.name AS category, n.distance
  FROM nearest n
  JOIN scripts s ON s.id = n.script_id
  LEFT JOIN categories c ON c.id = s.category_id
 ORDER BY n.distance, n.script_id
