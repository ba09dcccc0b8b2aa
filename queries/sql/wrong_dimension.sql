-- Only for an unconstrained vector column: reads every vector, so it is run only then.
SELECT count(*) AS wrong FROM script_embeddings WHERE vector_dims(embedding) <> $1
