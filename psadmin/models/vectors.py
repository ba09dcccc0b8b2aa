"""pgvector-aware views of the script embeddings: find similar, index inventory, coverage, recall.

The similarity search runs entirely in SQL (cosine distance, ``<=>``); vectors never travel to
the client. Recall is judged by distances rather than ids, so ties at the k-th place (common
among near-duplicate scripts) are not counted as misses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psadmin.models.actions import ActionRequest

DEFAULT_K = 10
MAX_K = 1000
DEFAULT_EF_SEARCH = 64
"""psadmin's hnsw.ef_search (pgvector's default is 40). On the schema's m = 32 index at 100,000
scripts, idle machine: 40 left one query at recall 0 on both builds (recall@10 0.977), 64
reached 0.993 at 2.26 ms median, 100 the same recall at 2.6-3.2 ms (bench/vector_search.py).
The user raises it with ``+`` or ``--ef-search`` when a recall check asks for more."""
MAX_EF_SEARCH = 1000
EF_SEARCH_STEPS = (40, 64, 100, 200, 400, 1000)
DEFAULT_PROBES = 10
"""ivfflat.probes: sqrt(lists) for the documented lists = 100."""
MAX_PROBES = 32768
RECALL_SAMPLES = 10
"""Each exact search reads every vector (1-2 s at 100,000 scripts), so the sample is small."""
MAX_RECALL_SAMPLES = 500
EMBED_BATCH = 200
EMBED_PER_ACTION = 10_000
"""One action embeds at most this many scripts, so it never holds the admin connection long."""

ITERATIVE_SCAN_SINCE = (0, 8, 0)
VACUUM_FIX_SINCE = (0, 8, 3)

EMBED_STATEMENT = (
    "INSERT INTO script_embeddings (script_id, embedding, embedding_type, model_version) "
    "SELECT … FROM unnest($1::int[], $2::text[]) ON CONFLICT (script_id) DO NOTHING "
    "(one transaction per batch)"
)
RECALL_STATEMENT = (
    "per sampled script: BEGIN; SET LOCAL hnsw.ef_search = $n; top-k through the index; "
    "SET LOCAL enable_indexscan = off; exact top-k; ROLLBACK"
)


def version_tuple(text: str | None) -> tuple[int, ...]:
    """``'0.8.1'`` → ``(0, 8, 1)``; anything unparsable → ``()``."""
    if not text:
        return ()
    parts = re.findall(r"\d+", text)
    return tuple(int(p) for p in parts[:3])


def supports_iterative_scan(version: str | None) -> bool:
    return version_tuple(version) >= ITERATIVE_SCAN_SINCE


def pgvector_warning(version: str | None) -> str | None:
    found = version_tuple(version)
    if not found:
        return None
    if found < (0, 5, 0):
        return f"pgvector {version} has no HNSW indexes (0.5.0+)"
    if found < ITERATIVE_SCAN_SINCE:
        return (
            f"pgvector {version} has no iterative index scans (0.8.0+): searches within a "
            "category can return fewer than k scripts"
        )
    if found < VACUUM_FIX_SINCE:
        return f"pgvector {version}: 0.8.3 fixed possible HNSW index corruption during VACUUM"
    return None


def _bounded(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")


@dataclass(frozen=True, slots=True)
class SimilarQuery:
    script_id: int
    k: int = DEFAULT_K
    same_category: bool = False
    ef_search: int = DEFAULT_EF_SEARCH
    """hnsw.ef_search for this search: the candidate list size; higher = better recall."""
    probes: int = DEFAULT_PROBES
    """ivfflat.probes, used when an IVFFlat index answers."""
    exact: bool = False
    """Compare with every embedding (index scans off): the true answer, at full cost."""
    explain: bool = True
    """Also EXPLAIN the statement, to say which index answered."""

    def __post_init__(self) -> None:
        _bounded("script id", self.script_id, 1, 2**31 - 1)
        _bounded("k", self.k, 1, MAX_K)
        _bounded("ef_search", self.ef_search, 1, MAX_EF_SEARCH)
        _bounded("probes", self.probes, 1, MAX_PROBES)


@dataclass(frozen=True, slots=True)
class SimilarScript:
    id: int
    title: str
    category: str | None
    distance: float
    """Cosine distance (0 = same direction, 2 = opposite); similarity is 1 - distance."""


@dataclass(frozen=True, slots=True)
class AnnIndex:
    """An HNSW or IVFFlat index, with its build parameters (defaults filled in)."""

    name: str
    table: str
    column: str
    method: str
    opclass: str
    params: tuple[tuple[str, str], ...]
    size_bytes: int
    valid: bool
    definition: str

    @property
    def params_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.params)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.method} {self.opclass}, {self.params_text})"


HNSW_DEFAULTS = (("m", "16"), ("ef_construction", "64"))
IVFFLAT_DEFAULTS = (("lists", "100"),)


def index_params(method: str, reloptions: Sequence[str] | None) -> tuple[tuple[str, str], ...]:
    """Build parameters from ``pg_class.reloptions``, pgvector's defaults where none is set."""
    given = dict(option.split("=", 1) for option in reloptions or () if "=" in option)
    defaults = (
        HNSW_DEFAULTS if method == "hnsw" else IVFFLAT_DEFAULTS if method == "ivfflat" else ()
    )
    merged = {**dict(defaults), **given}
    return tuple(merged.items())


@dataclass(frozen=True, slots=True)
class SearchPlan:
    index: str | None
    """The index that produced the rows in distance order, or None: every row was compared."""
    nodes: tuple[str, ...]
    """Plan node types, outermost first (``Limit``, ``Index Scan``, …)."""
    settings: tuple[tuple[str, str], ...]
    """What was SET LOCAL for this search (ef_search, iterative scan, …)."""

    @property
    def settings_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.settings)


@dataclass(frozen=True, slots=True)
class SimilarResult:
    query: SimilarQuery
    found: bool = True
    """False when the script does not exist."""
    title: str | None = None
    category: str | None = None
    results: tuple[SimilarScript, ...] = ()
    plan: SearchPlan | None = None
    index: AnnIndex | None = None
    reason: str | None = None
    """Why there are no results (no embedding, no category), or a caveat."""
    elapsed_ms: float = 0.0

    def describe_method(self) -> str:
        plan = self.plan
        if self.query.exact:
            return "exact: every embedding compared (index scans off)"
        if plan is None:
            return "plan not shown"
        if plan.index is None:
            return f"every embedding compared ({' → '.join(plan.nodes)}); no ANN index was used"
        how = self.index.label if self.index is not None else plan.index
        return f"{how}; {plan.settings_text}"


@dataclass(frozen=True, slots=True)
class IndexBuild:
    """A CREATE INDEX / REINDEX in progress, from pg_stat_progress_create_index."""

    pid: int
    table: str
    index: str | None
    command: str
    phase: str
    blocks_done: int
    blocks_total: int
    tuples_done: int
    tuples_total: int

    @property
    def fraction(self) -> float | None:
        if self.tuples_total:
            return min(self.tuples_done / self.tuples_total, 1.0)
        if self.blocks_total:
            return min(self.blocks_done / self.blocks_total, 1.0)
        return None


@dataclass(frozen=True, slots=True)
class EmbeddingModel:
    model_version: str | None
    embedding_type: str | None
    count: int


@dataclass(frozen=True, slots=True)
class RecallSummary:
    """The outcome of a recall check, as the audit trail keeps it."""

    k: int
    recall: float
    same_category_recall: float | None
    samples: int
    ef_search: int
    at: datetime | None = None
    index: str | None = None
    """The ANN index that answered the approximate searches (None: none did)."""


@dataclass(frozen=True, slots=True)
class VectorHealth:
    available: bool
    reason: str | None = None
    fix: str | None = None
    pgvector_version: str | None = None
    scripts: int = 0
    embedded: int = 0
    missing: int = 0
    """Scripts without a row in script_embeddings."""
    stale: int = 0
    """Embeddings older than the script's latest version."""
    wrong_dimension: int | None = None
    """Embeddings whose dimension is not the declared one; 0 when the column type enforces it."""
    dimension: int | None = None
    """Declared by the column type (vector(1536)), or None for an unconstrained vector."""
    expected_dimension: int = 1536
    models: tuple[EmbeddingModel, ...] = ()
    indexes: tuple[AnnIndex, ...] = ()
    builds: tuple[IndexBuild, ...] = ()
    ef_search_default: int | None = None
    local_model: str | None = None
    """The model_version psadmin's own embedder writes (Embed missing)."""
    as_of: datetime | None = None

    @property
    def coverage(self) -> float | None:
        return None if not self.scripts else (self.scripts - self.missing) / self.scripts

    @property
    def warning(self) -> str | None:
        return pgvector_warning(self.pgvector_version)

    @property
    def foreign_models(self) -> tuple[EmbeddingModel, ...]:
        """Models other than psadmin's embedder: their vectors are not comparable with ours."""
        return tuple(m for m in self.models if m.model_version != self.local_model)

    @property
    def script_indexes(self) -> tuple[AnnIndex, ...]:
        return tuple(i for i in self.indexes if i.table == "script_embeddings")


def recall_at_k(ann: Sequence[float], exact: Sequence[float], k: int) -> float:
    """Share of the true top-k the index found, from the distances of both answers.

    A result counts when it is no farther than the exact k-th neighbour, so of two scripts
    at the same distance either one is a right answer.
    """
    truth = sorted(exact)[:k]
    if not truth:
        return 1.0
    kth = truth[-1]
    hits = sum(1 for distance in sorted(ann)[:k] if distance <= kth)
    return min(hits, len(truth)) / len(truth)


def recall_message(summary: RecallSummary) -> str:
    """The outcome line of a recall check; :func:`parse_recall_message` reads it back.

    Four decimals, like the action's details: a coarser line would round a second time
    and the snapshot could disagree with the outcome by one in the last place.
    """
    same = (
        ""
        if summary.same_category_recall is None
        else f", {summary.same_category_recall:.4f} same-category"
    )
    by = (
        f"answered by {summary.index}"
        if summary.index
        else "no ANN index answered: both searches were exact"
    )
    return (
        f"recall@{summary.k} {summary.recall:.4f} unfiltered{same} over {summary.samples} "
        f"sampled scripts (ef_search {summary.ef_search}); {by}"
    )


_RECALL = re.compile(
    r"recall@(?P<k>\d+) (?P<recall>[0-9.]+) unfiltered"
    r"(?:, (?P<same>[0-9.]+) same-category)? over (?P<samples>\d+) sampled scripts"
    r" \(ef_search (?P<ef>\d+)\)(?:; answered by (?P<index>\S+))?"
)


def parse_recall_message(text: str | None, at: datetime | None = None) -> RecallSummary | None:
    match = _RECALL.search(text or "")
    if match is None:
        return None
    same = match["same"]
    return RecallSummary(
        k=int(match["k"]),
        recall=float(match["recall"]),
        same_category_recall=None if same is None else float(same),
        samples=int(match["samples"]),
        ef_search=int(match["ef"]),
        at=at,
        index=match["index"],
    )


def embed_missing_request(health: VectorHealth, limit: int = EMBED_PER_ACTION) -> ActionRequest:
    count = min(health.missing, limit)
    more = f" ({health.missing - count} more need another run)" if health.missing > count else ""
    model = health.local_model or "the local embedder"
    return ActionRequest(
        kind="embed_missing",
        target=f"{count} scripts without an embedding{more}",
        effect=(
            f"Computes embeddings with psadmin's local hashing embedder ({model}: feature "
            f"hashing, not a language model) in batches of {EMBED_BATCH} and inserts them; "
            "each batch commits on its own and the ANN index is updated row by row. Refused "
            "if the table holds another model's vectors (they would not be comparable)."
        ),
        statement=EMBED_STATEMENT,
        params={"limit": count, "batch": EMBED_BATCH},
    )


def recall_check_request(
    health: VectorHealth,
    k: int = DEFAULT_K,
    samples: int = RECALL_SAMPLES,
    ef_search: int = DEFAULT_EF_SEARCH,
) -> ActionRequest:
    embedded = health.embedded
    index = ", ".join(i.name for i in health.script_indexes) or "no ANN index"
    return ActionRequest(
        kind="recall_check",
        target=f"{index} on script_embeddings ({embedded} embeddings)",
        effect=(
            f"Searches the top {k} for {samples} sampled scripts through the index and again "
            f"exactly (index scans off; each exact search reads all {embedded} embeddings), "
            "unfiltered and within the category, inside rolled-back transactions; reports "
            f"recall@{k}. Changes nothing."
        ),
        statement=RECALL_STATEMENT,
        params={"k": k, "samples": samples, "ef_search": ef_search},
        needs_write=False,
    )
