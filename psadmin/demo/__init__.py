"""The embedded demo: throwaway PostgreSQL + Redis with PSScript data and live traffic."""
