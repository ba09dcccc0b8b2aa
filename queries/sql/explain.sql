EXPLAIN /* options */ /* statement */
