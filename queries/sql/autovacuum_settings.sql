-- Server-wide autovacuum settings (per-table reloptions are applied by the caller).
SELECT name, setting
FROM pg_settings
WHERE name IN (
    'autovacuum', 'track_counts', 'block_size',
    'autovacuum_vacuum_threshold', 'autovacuum_vacuum_scale_factor',
    'autovacuum_vacuum_max_threshold',
    'autovacuum_vacuum_insert_threshold', 'autovacuum_vacuum_insert_scale_factor',
    'autovacuum_analyze_threshold', 'autovacuum_analyze_scale_factor',
    'autovacuum_freeze_max_age'
)
