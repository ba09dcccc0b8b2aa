-- One keyset page of scripts. The /* … */ slots are filled from fixed fragments chosen by
-- enum in queries/scripts.py; every value is a bound parameter. The latest analysis is
-- taken with LATERAL … LIMIT 1 so a duplicated analysis row cannot duplicate a script.
SELECT s.id,
       s.title,
       c.name AS category,
       u.username AS owner,
       coalesce(s.version, 1) AS version,
       coalesce(s.is_public, false) AS is_public,
       coalesce(s.execution_count, 0) AS execution_count,
       a.security_score,
       a.quality_score,
       s.updated_at::timestamptz AS updated_at,
       ARRAY(SELECT t.name
               FROM script_tags st
               JOIN tags t ON t.id = st.tag_id
              WHERE st.script_id = s.id
              ORDER BY t.name) AS tags,
       /* relevance */ AS relevance
  FROM scripts s
  LEFT JOIN categories c ON c.id = s.category_id
  LEFT JOIN users u ON u.id = s.user_id
  LEFT JOIN LATERAL (
        SELECT sa.security_score, sa.quality_score
          FROM script_analysis sa
         WHERE sa.script_id = s.id
         ORDER BY sa.updated_at DESC NULLS LAST, sa.id DESC
         LIMIT 1) a ON true
 WHERE /* where */
 ORDER BY /* order */
 LIMIT /* limit */
