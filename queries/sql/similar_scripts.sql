-- Top-k scripts nearest to script $1 by cosine distance, shaped so the ANN index answers:
-- ORDER BY the distance to a scalar subquery (evaluated once, in SQL: the vector never
-- reaches the client) with LIMIT k and nothing else in that scan. Titles are joined after,
-- and "+ 0" keeps PostgreSQL 17+ from trusting the CTE's order, which a relaxed_order
-- iterative scan does not guarantee.
WITH nearest AS MATERIALIZED (
    SELECT e.script_id,
           e.embedding <=> (SELECT q.embedding FROM script_embeddings q
                             WHERE q.script_id = $1) AS distance
      FROM script_embeddings e
     WHERE e.script_id <> $1
     ORDER BY e.embedding <=> (SELECT q.embedding FROM script_embeddings q
                                WHERE q.script_id = $1)
     LIMIT $2
)
SELECT n.script_id AS id, s.title, c.name AS category, n.distance
  FROM nearest n
  JOIN scripts s ON s.id = n.script_id
  LEFT JOIN categories c ON c.id = s.category_id
 ORDER BY n.distance + 0, n.script_id
