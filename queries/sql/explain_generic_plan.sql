SELECT current_setting('psadmin.explain_plan')
