-- What asyncpg's pool runs when a connection comes back (its default reset query), with every
-- statement tagged so that pg_stat_statements counts them as psadmin's own.
SELECT pg_advisory_unlock_all() /* psadmin:session_reset */;
CLOSE ALL /* psadmin:session_reset */;
UNLISTEN * /* psadmin:session_reset */;
RESET ALL /* psadmin:session_reset */
