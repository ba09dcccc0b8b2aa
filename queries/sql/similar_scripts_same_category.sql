-- Like similar_scripts, within category $3. The category test is a correlated subquery, not
-- a join: with a join the planner prefers sorting a sequential or bitmap scan (measured 17-48
-- ms at 100,000 scripts); this way the ANN index scan is the only ordered path, and
-- hnsw.iterative_scan keeps it producing candidates until k of them pass the filter.
WITH nearest AS MATERIALIZED (
    SELECT e.script_id,
           e.embedding <=> (SELECT q.embedding FROM script_embeddings q
                             WHERE q.script_id = $1) AS distance
      FROM script_embeddings e
     WHERE e.script_id <> $1
       AND (SELECT s.category_id FROM scripts s WHERE s.id = e.script_id) = $3
     ORDER BY e.embedding <=> (SELECT q.embedding FROM script_embeddings q
                                WHERE q.script_id = $1)
     LIMIT $2
)
SELECT n.script_id AS id, s.title, c.name AS category, n.distance
  FROM nearest n
  JOIN scripts s ON s.id = n.script_id
  LEFT JOIN categories c ON c.id = s.category_id
 ORDER BY n.distance + 0, n.script_id
