WITH target AS (
    SELECT id, username, coalesce(login_attempts, 0) AS attempts,
           locked_until::timestamptz AS locked_until
      FROM users
     WHERE id = $1
       FOR NO KEY UPDATE
), changed AS (
    UPDATE users AS u
       SET locked_until = now() + make_interval(mins => $2::integer), updated_at = now()
      FROM target AS t
     WHERE u.id = t.id
    RETURNING u.id, u.login_attempts, u.locked_until::timestamptz AS locked_until
)
SELECT t.id, t.username, t.attempts AS attempts_before, t.locked_until AS locked_until_before,
       coalesce(c.login_attempts, t.attempts) AS attempts_after,
       CASE WHEN c.id IS NULL THEN t.locked_until ELSE c.locked_until END AS locked_until_after,
       c.id IS NOT NULL AS changed, now() AS at
  FROM target AS t
  LEFT JOIN changed AS c ON c.id = t.id
