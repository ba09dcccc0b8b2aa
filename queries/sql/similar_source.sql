-- The script a similarity search starts from: does it exist, its category, has it a vector.
SELECT s.id,
       s.title,
       s.category_id,
       c.name AS category,
       EXISTS (SELECT 1 FROM script_embeddings e WHERE e.script_id = s.id) AS embedded
  FROM scripts s
  LEFT JOIN categories c ON c.id = s.category_id
 WHERE s.id = $1
