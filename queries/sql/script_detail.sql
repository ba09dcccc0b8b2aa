-- One script with its latest analysis and embedding facts; $2 caps the content returned.
SELECT s.id,
       s.title,
       s.description,
       c.name AS category,
       u.username AS owner,
       ARRAY(SELECT t.name
               FROM script_tags st
               JOIN tags t ON t.id = st.tag_id
              WHERE st.script_id = s.id
              ORDER BY t.name) AS tags,
       coalesce(s.version, 1) AS version,
       coalesce(s.is_public, false) AS is_public,
       coalesce(s.execution_count, 0) AS execution_count,
       s.average_execution_time,
       s.last_executed_at::timestamptz AS last_executed_at,
       s.created_at::timestamptz AS created_at,
       s.updated_at::timestamptz AS updated_at,
       s.file_hash,
       left(s.content, $2) AS content,
       length(s.content) AS content_chars,
       a.id IS NOT NULL AS analysed,
       a.purpose,
       a.security_score,
       a.quality_score,
       a.risk_score,
       a.security_issues::text AS security_issues,
       a.best_practice_violations::text AS best_practice_violations,
       a.suggestions::text AS suggestions,
       a.potential_risks::text AS potential_risks,
       a.performance_insights::text AS performance_insights,
       a.analysis_version,
       a.updated_at::timestamptz AS analysis_updated_at,
       e.id IS NOT NULL AS embedded,
       e.model_version,
       e.embedding_type,
       coalesce(e.updated_at, e.created_at)::timestamptz AS embedded_at,
       (SELECT max(v.created_at) FROM script_versions v
         WHERE v.script_id = s.id)::timestamptz AS latest_version_at,
       (SELECT count(*) FROM script_versions v WHERE v.script_id = s.id) AS versions_total
  FROM scripts s
  LEFT JOIN categories c ON c.id = s.category_id
  LEFT JOIN users u ON u.id = s.user_id
  LEFT JOIN LATERAL (
        SELECT * FROM script_analysis sa
         WHERE sa.script_id = s.id
         ORDER BY sa.updated_at DESC NULLS LAST, sa.id DESC
         LIMIT 1) a ON true
  LEFT JOIN script_embeddings e ON e.script_id = s.id
 WHERE s.id = $1
