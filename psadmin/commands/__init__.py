"""Subcommands of ``psadmin`` that act on one area (users, …), each a click group."""
