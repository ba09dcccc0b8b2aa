-- The statement travels as a bound value, read back by explain_generic.
SELECT set_config('psadmin.explain_statement', $1, true)
