-- Which models produced the stored vectors (vectors of different models are not comparable).
SELECT model_version, embedding_type, count(*) AS count
  FROM script_embeddings
 GROUP BY model_version, embedding_type
 ORDER BY count(*) DESC, model_version
