SELECT to_regclass('users') IS NOT NULL AS present,
       coalesce(has_table_privilege(to_regclass('users'), 'SELECT'), false) AS can_select,
       coalesce(has_table_privilege(to_regclass('users'), 'UPDATE'), false) AS can_update,
       current_user AS role
