"""psadmin's widgets layer (see DESIGN.md §1)."""
