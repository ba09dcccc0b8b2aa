"""PSScript scripts as the Scripts screen browses them: filters, sort orders, pages, detail.

Pages are keyset pages: a page is asked for "after" or "before" the sort key and id of a row
already shown, never by number, so page 10,000 costs what page 1 costs and rows inserted
meanwhile neither repeat nor vanish from a walk through the pages.
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PAGE_SIZE = 50
MAX_PAGE = 1000
MAX_CONTENT_CHARS = 200_000
"""Content longer than this is cut for display (the detail says so)."""
MAX_SEARCH_CHARS = 200


class FilterError(ValueError):
    """A filter the user typed that cannot be understood; the message says why."""


class ScriptSort(enum.Enum):
    """Sort orders; each has one natural direction, and the id breaks ties."""

    NEWEST = "newest"
    """Highest id first: the primary key serves every page at the same cost."""
    UPDATED = "updated"
    TITLE = "title"
    SECURITY = "security"
    """Lowest security score first (the scripts to review); unanalysed ones last."""
    EXECUTIONS = "executions"
    RELEVANCE = "relevance"
    """Trigram word similarity to the search text; only with a trigram index."""

    @property
    def descending(self) -> bool:
        return self in (
            ScriptSort.NEWEST,
            ScriptSort.UPDATED,
            ScriptSort.EXECUTIONS,
            ScriptSort.RELEVANCE,
        )

    @property
    def label(self) -> str:
        return {
            "newest": "newest first",
            "updated": "recently updated",
            "title": "title A→Z",
            "security": "lowest security score",
            "executions": "most executed",
            "relevance": "best match",
        }[self.value]


SORT_CYCLE = (
    ScriptSort.NEWEST,
    ScriptSort.UPDATED,
    ScriptSort.TITLE,
    ScriptSort.SECURITY,
    ScriptSort.EXECUTIONS,
    ScriptSort.RELEVANCE,
)


class SearchMethod(enum.Enum):
    NONE = "none"
    TRIGRAM = "trigram"
    """pg_trgm word similarity, answered by a trigram index."""
    ILIKE = "ilike"
    """Case-insensitive substring, wildcards in the text escaped."""


_TRUE = {"yes", "true", "1", "y", "on"}
_FALSE = {"no", "false", "0", "n", "off"}
_KEYS = {"cat": "category", "category": "category", "tag": "tag", "owner": "owner"}
_MIN_SECURITY_PREFIXES = ("sec>=", "security>=", "minsec:")


@dataclass(frozen=True, slots=True)
class ScriptFilter:
    """What the list shows. Every value is bound as a parameter, never spliced into SQL."""

    category: str | None = None
    """Category name, case-insensitive."""
    tag: str | None = None
    owner: str | None = None
    """Username of the script's owner (exact)."""
    public: bool | None = None
    min_security: float | None = None
    search: str = ""

    @classmethod
    def parse(cls, text: str) -> ScriptFilter:
        """``cat:"Active Directory" tag:csv owner:alice public:yes sec>=70 disk space``."""
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise FilterError(f"unbalanced quotes ({exc})") from None
        values: dict[str, Any] = {}
        free: list[str] = []
        for word in words:
            key, sep, value = word.partition(":")
            lowered = word.lower()
            prefix = next((p for p in _MIN_SECURITY_PREFIXES if lowered.startswith(p)), None)
            if prefix is not None:
                values["min_security"] = _score(word[len(prefix) :])
            elif sep and key.lower() in _KEYS:
                if not value:
                    raise FilterError(f"{key}: needs a value")
                values[_KEYS[key.lower()]] = value
            elif sep and key.lower() in ("public", "is"):
                values["public"] = _public(key.lower(), value.lower())
            else:
                free.append(word)
        search = " ".join(free)
        if len(search) > MAX_SEARCH_CHARS:
            raise FilterError(f"search text longer than {MAX_SEARCH_CHARS} characters")
        return cls(search=search, **values)

    def describe(self) -> str:
        parts = []
        if self.category:
            parts.append(f"category {self.category}")
        if self.tag:
            parts.append(f"tag {self.tag}")
        if self.owner:
            parts.append(f"owner {self.owner}")
        if self.public is not None:
            parts.append("public" if self.public else "private")
        if self.min_security is not None:
            parts.append(f"security ≥ {self.min_security:g}")
        if self.search:
            parts.append(f"search {self.search!r}")
        return ", ".join(parts) or "all scripts"


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FilterError(f"minimum security score must be a number, not {text!r}") from None
    if not 0 <= value <= 100:
        raise FilterError(f"minimum security score must be from 0 to 100, not {value:g}")
    return value


def _public(key: str, value: str) -> bool:
    if key == "is" and value in ("public", "private"):
        return value == "public"
    if key == "public" and value in _TRUE | _FALSE:
        return value in _TRUE
    raise FilterError("use public:yes, public:no, is:public or is:private")


@dataclass(frozen=True, slots=True)
class ScriptCursor:
    """A position in one sort order: a row's sort key and its id."""

    value: str | int | float | datetime | None
    id: int


@dataclass(frozen=True, slots=True)
class ScriptQuery:
    filter: ScriptFilter = field(default_factory=ScriptFilter)
    sort: ScriptSort = ScriptSort.NEWEST
    after: ScriptCursor | None = None
    before: ScriptCursor | None = None
    limit: int = PAGE_SIZE


@dataclass(frozen=True, slots=True)
class ScriptRow:
    id: int
    title: str
    category: str | None
    owner: str | None
    tags: tuple[str, ...]
    version: int
    is_public: bool
    execution_count: int
    security_score: float | None
    quality_score: float | None
    updated_at: datetime | None
    relevance: float | None = None
    """Word similarity to the search text (trigram search only)."""


def cursor_of(row: ScriptRow, sort: ScriptSort) -> ScriptCursor:
    value: str | int | float | datetime | None = {
        ScriptSort.NEWEST: row.id,
        ScriptSort.UPDATED: row.updated_at,
        ScriptSort.TITLE: row.title,
        ScriptSort.SECURITY: row.security_score,
        ScriptSort.EXECUTIONS: row.execution_count,
        ScriptSort.RELEVANCE: row.relevance,
    }[sort]
    return ScriptCursor(value, row.id)


@dataclass(frozen=True, slots=True)
class SearchInfo:
    """How text search runs here, so the screen can say it (and how to make it better)."""

    method: SearchMethod
    columns: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.method is SearchMethod.TRIGRAM:
            return f"trigram similarity on {', '.join(self.columns)} ({', '.join(self.indexes)})"
        if self.method is SearchMethod.ILIKE:
            return (
                f"ILIKE on {', '.join(self.columns)} (no trigram index: "
                "CREATE INDEX ON scripts USING gin (title gin_trgm_ops) for fuzzy search)"
            )
        return "no search"


@dataclass(frozen=True, slots=True)
class ScriptPage:
    rows: tuple[ScriptRow, ...]
    has_next: bool
    has_previous: bool
    search: SearchInfo
    sort: ScriptSort
    """The order used: relevance falls back to newest when there is no trigram search."""


# -- detail ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One analysis finding, whatever shape the analyser stored it in."""

    title: str
    severity: str | None = None
    detail: str | None = None
    line: int | None = None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def findings_from_json(value: Any) -> tuple[Finding, ...]:
    """Security issues or rule violations: strings, or objects with varying field names."""
    if not isinstance(value, list):
        return ()
    found: list[Finding] = []
    for item in value:
        if isinstance(item, Mapping):
            title = _text(item.get("title") or item.get("message") or item.get("rule"))
            detail = _text(item.get("recommendation") or item.get("evidence"))
            if item.get("title") and item.get("message"):
                detail = _text(item.get("message"))
            line = item.get("line")
            found.append(
                Finding(
                    title=title or str(dict(item)),
                    severity=_text(item.get("severity")),
                    detail=detail,
                    line=line if isinstance(line, int) and not isinstance(line, bool) else None,
                )
            )
        elif item is not None:
            found.append(Finding(str(item)))
    return tuple(found)


def notes_from_json(value: Any) -> tuple[str, ...]:
    """Suggestions, risks, insights: strings, or objects whose text is in a known field."""
    if not isinstance(value, list):
        return ()
    notes: list[str] = []
    for item in value:
        if isinstance(item, Mapping):
            text = next(
                (item[k] for k in ("text", "message", "suggestion", "description") if k in item),
                None,
            )
            notes.append(str(text) if text is not None else str(dict(item)))
        elif item is not None:
            notes.append(str(item))
    return tuple(notes)


@dataclass(frozen=True, slots=True)
class ScriptAnalysis:
    purpose: str | None
    security_score: float | None
    quality_score: float | None
    risk_score: float | None
    security_issues: tuple[Finding, ...] = ()
    best_practice_violations: tuple[Finding, ...] = ()
    suggestions: tuple[str, ...] = ()
    potential_risks: tuple[str, ...] = ()
    performance_insights: tuple[str, ...] = ()
    analysis_version: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ScriptVersion:
    version: int
    created_at: datetime | None
    author: str | None
    commit_message: str | None
    size_chars: int


@dataclass(frozen=True, slots=True)
class ExecutionStats:
    total: int = 0
    by_status: Mapping[str, int] = field(default_factory=dict)
    mean_ms: float | None = None
    p95_ms: float | None = None
    last_at: datetime | None = None
    last_30_days: int = 0
    last_error: str | None = None

    @property
    def success_ratio(self) -> float | None:
        return None if not self.total else self.by_status.get("success", 0) / self.total


@dataclass(frozen=True, slots=True)
class EmbeddingInfo:
    model_version: str | None
    embedding_type: str | None
    updated_at: datetime | None
    stale: bool
    """Older than the script's latest version: similarity is judged on old content."""


@dataclass(frozen=True, slots=True)
class ScriptDetail:
    id: int
    title: str
    description: str | None
    category: str | None
    owner: str | None
    tags: tuple[str, ...]
    version: int
    is_public: bool
    execution_count: int
    average_execution_ms: float | None
    last_executed_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    file_hash: str | None
    content: str
    content_chars: int
    analysis: ScriptAnalysis | None
    versions: tuple[ScriptVersion, ...]
    versions_total: int
    executions: ExecutionStats
    embedding: EmbeddingInfo | None

    @property
    def content_truncated(self) -> bool:
        return self.content_chars > len(self.content)


def tags_text(tags: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(tags[:limit])
    return shown + (f" +{len(tags) - limit}" if len(tags) > limit else "")
