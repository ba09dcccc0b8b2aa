"""psadmin's queries layer (see DESIGN.md §1)."""
