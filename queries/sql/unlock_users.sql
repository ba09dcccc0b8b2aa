-- Rows are locked in id order so two bulk unlocks cannot deadlock each other.
WITH target AS (
    SELECT id, username, coalesce(login_attempts, 0) AS attempts,
           locked_until::timestamptz AS locked_until
      FROM users
     WHERE id = ANY($1::integer[])
     ORDER BY id
       FOR NO KEY UPDATE
), changed AS (
    UPDATE users AS u
       SET login_attempts = 0, locked_until = NULL, updated_at = now()
      FROM target AS t
     WHERE u.id = t.id AND (t.attempts <> 0 OR t.locked_until IS NOT NULL)
    RETURNING u.id, u.login_attempts, u.locked_until::timestamptz AS locked_until
)
SELECT t.id, t.username, t.attempts AS attempts_before, t.locked_until AS locked_until_before,
       coalesce(c.login_attempts, t.attempts) AS attempts_after,
       CASE WHEN c.id IS NULL THEN t.locked_until ELSE c.locked_until END AS locked_until_after,
       c.id IS NOT NULL AS changed, now() AS at
  FROM target AS t
  LEFT JOIN changed AS c ON c.id = t.id
 ORDER BY t.id
