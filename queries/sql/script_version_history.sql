-- A script's versions, newest first, with who committed them and why.
SELECT v.version,
       v.created_at::timestamptz AS created_at,
       u.username AS author,
       v.commit_message,
       length(v.content) AS size_chars
  FROM script_versions v
  LEFT JOIN users u ON u.id = v.user_id
 WHERE v.script_id = $1
 ORDER BY v.version DESC, v.id DESC
 LIMIT $2
