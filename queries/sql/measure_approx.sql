-- Reads only the pages the visibility map does not mark all-visible (free space of the others
-- comes from the free space map): cheap on a mostly vacuumed table.
SELECT
    table_len,
    approx_tuple_count AS tuple_count,
    approx_tuple_len AS tuple_len,
    dead_tuple_count,
    dead_tuple_len,
    approx_free_space AS free_space,
    scanned_percent / 100.0 AS scanned_ratio
FROM pgstattuple_approx($1::oid::regclass)
