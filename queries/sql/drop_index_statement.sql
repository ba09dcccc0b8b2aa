SELECT format('DROP INDEX CONCURRENTLY %I.%I', $1::text, $2::text)
