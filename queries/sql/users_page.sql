SELECT id, username, email, role,
       coalesce(login_attempts, 0) AS login_attempts,
       locked_until::timestamptz AS locked_until,
       last_login_at::timestamptz AS last_login_at,
       created_at::timestamptz AS created_at,
       now() AS as_of
  FROM users
 WHERE /* where */
 ORDER BY /* order */
 LIMIT /* limit */
