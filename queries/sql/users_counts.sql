SELECT count(*) AS total,
       count(*) FILTER (WHERE locked_until > now()) AS locked,
       count(*) FILTER (WHERE login_attempts >= $1
                          AND (locked_until IS NULL OR locked_until <= now())) AS at_risk,
       count(*) FILTER (WHERE role = 'admin') AS admins,
       now() AS as_of
  FROM users
