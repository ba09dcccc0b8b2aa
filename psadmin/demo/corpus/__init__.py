"""Deterministic demo corpus: realistic PowerShell scripts with history and analysis.

`generate_scripts` yields `ScriptDoc`s for the demo database; `CATEGORIES` and `TAGS` are
the vocabularies its scripts are filed under. The package is laid out as:

- `generator`: one script per task family draw, its context and version history;
- `render`: one version of a script as PowerShell text;
- `analysis`: the analyser's view of a script's final content;
- `templates`: the families' templates compiled for rendering;
- data: `vocabulary` (family shape, categories, tags, context pools), `cmdlets`, `rules`,
  `history` (features, commit messages, catch blocks) and `families` (one module per
  category).
"""

from __future__ import annotations

from psadmin.demo.corpus.documents import AnalysisDoc, ScriptDoc
from psadmin.demo.corpus.generator import generate_scripts
from psadmin.demo.corpus.vocabulary import CATEGORIES, TAGS

__all__ = ["CATEGORIES", "TAGS", "AnalysisDoc", "ScriptDoc", "generate_scripts"]
