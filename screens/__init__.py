"""psadmin's screens layer (see DESIGN.md §1)."""
