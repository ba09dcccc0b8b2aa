CREATE TABLE IF NOT EXISTS psadmin_audit (
    id bigserial PRIMARY KEY,
    action_id text NOT NULL,
    at timestamptz NOT NULL,
    event text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    os_user text NOT NULL,
    db_role text NOT NULL DEFAULT current_user,
    server text NOT NULL,
    params jsonb NOT NULL DEFAULT '{}',
    reason text,
    duration_ms double precision,
    message text
);
CREATE OR REPLACE FUNCTION psadmin_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'psadmin_audit is append-only';
END $$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'psadmin_audit_append_only'
                   AND tgrelid = 'psadmin_audit'::regclass) THEN
        CREATE TRIGGER psadmin_audit_append_only BEFORE UPDATE OR DELETE ON psadmin_audit
            FOR EACH STATEMENT EXECUTE FUNCTION psadmin_audit_append_only();
    END IF;
END $$;
