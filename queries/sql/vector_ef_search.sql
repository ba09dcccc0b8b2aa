-- The session's hnsw.ef_search (NULL until pgvector is loaded in this session: the coverage
-- query loads it).
SELECT current_setting('hnsw.ef_search', true) AS ef_search
