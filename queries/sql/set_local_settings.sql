-- Settings local to the current transaction, all in one round trip ($1 names, $2 values).
SELECT count(set_config(s.name, s.value, true))
  FROM unnest($1::text[], $2::text[]) AS s(name, value)
