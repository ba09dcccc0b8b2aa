-- EXPLAIN (GENERIC_PLAN) accepts $n placeholders only when no parameters are bound, i.e. not
-- over the extended protocol; EXECUTE in PL/pgSQL binds none. Opening the statement as a
-- cursor refuses more than one statement, and EXPLAIN is always prefixed here.
DO $explain$
DECLARE
    line text;
    plan text := '';
BEGIN
    FOR line IN EXECUTE
        'EXPLAIN (GENERIC_PLAN) ' || current_setting('psadmin.explain_statement')
    LOOP
        plan := plan || line || E'\n';
    END LOOP;
    PERFORM set_config('psadmin.explain_plan', plan, true);
END
$explain$
