SELECT action_id, at, event, action, target, os_user, db_role, server, params::text AS params,
       reason, duration_ms, message
FROM psadmin_audit
ORDER BY id DESC
LIMIT $1
