"""psadmin: a terminal administration console for the PSScript database."""

__version__ = "0.1.0"
