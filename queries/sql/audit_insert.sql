INSERT INTO psadmin_audit
    (action_id, at, event, action, target, os_user, db_role, server, params, reason,
     duration_ms, message)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)
