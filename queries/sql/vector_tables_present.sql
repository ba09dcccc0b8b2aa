-- Whether this database has the PSScript tables the vector views read.
SELECT to_regclass('scripts') IS NOT NULL AND to_regclass('script_embeddings') IS NOT NULL
