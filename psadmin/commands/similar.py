"""``psadmin similar SCRIPT_ID``: the scripts nearest to one script, by cosine distance in SQL.

Read-only, so it needs no confirmation and works in ``--read-only``. An unknown id, or a
script that cannot be compared (no embedding, no category with ``--same-category``), is one
line on stderr and exit 1.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from psadmin.cli import EXIT_USAGE, Failure, connection_options, fail_from, settings_from
from psadmin.models.errors import BackendError
from psadmin.models.vectors import (
    DEFAULT_EF_SEARCH,
    DEFAULT_K,
    MAX_EF_SEARCH,
    MAX_K,
    SimilarQuery,
    SimilarResult,
)


def result_json(result: SimilarResult) -> dict[str, Any]:
    query = result.query
    return {
        "script_id": query.script_id,
        "title": result.title,
        "category": result.category,
        "k": query.k,
        "same_category": query.same_category,
        "exact": query.exact,
        "ef_search": None if query.exact else query.ef_search,
        "index": None if result.plan is None else result.plan.index,
        "method": result.describe_method(),
        "elapsed_ms": round(result.elapsed_ms, 3),
        "results": [
            {"id": r.id, "title": r.title, "category": r.category, "distance": r.distance}
            for r in result.results
        ],
    }


def result_text(result: SimilarResult) -> str:
    query = result.query
    scope = "same category" if query.same_category else "all categories"
    lines = [
        f"similar to #{query.script_id} {result.title!r} ({result.category or 'no category'})"
        f" — top {query.k}, {scope}",
        f"answered by {result.describe_method()} in {result.elapsed_ms:.1f} ms",
        f"{'id':>8}  {'distance':>8}  {'category':<26}  title",
    ]
    lines += [
        f"{r.id:>8}  {r.distance:>8.4f}  {(r.category or '-')[:26]:<26}  {r.title}"
        for r in result.results
    ]
    if result.reason:
        lines.append(f"note: {result.reason}")
    return "\n".join(lines)


async def _search(ctx: click.Context, query: SimilarQuery) -> SimilarResult:
    from psadmin.backend import LiveBackend

    backend = LiveBackend(settings_from(ctx))
    try:
        await backend.connect()
        if backend.capabilities.extension_version("vector") is None:
            raise Failure("the pgvector extension is not installed in this database", 1)
        return await backend.similar_scripts(query)
    finally:
        await backend.close()


@click.command()
@connection_options
@click.argument("script_id", type=click.IntRange(1, 2**31 - 1))
@click.option(
    "-k",
    "k",
    type=click.IntRange(1, MAX_K),
    default=DEFAULT_K,
    show_default=True,
    help="How many scripts to list.",
)
@click.option("--same-category", is_flag=True, help="Only scripts in the same category.")
@click.option(
    "--ef-search",
    type=click.IntRange(1, MAX_EF_SEARCH),
    default=DEFAULT_EF_SEARCH,
    show_default=True,
    help="hnsw.ef_search for this search: higher finds more true neighbours, slower.",
)
@click.option("--exact", is_flag=True, help="Compare with every embedding (no index).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (documented keys).")
@click.pass_context
def similar(
    ctx: click.Context,
    script_id: int,
    k: int,
    same_category: bool,
    ef_search: int,
    exact: bool,
    as_json: bool,
) -> int:
    """The scripts most similar to SCRIPT_ID (cosine distance of their embeddings)."""
    try:
        query = SimilarQuery(
            script_id, k=k, same_category=same_category, ef_search=ef_search, exact=exact
        )
    except ValueError as exc:
        raise Failure(str(exc), EXIT_USAGE) from None
    try:
        result = asyncio.run(_search(ctx, query))
    except BackendError as exc:
        raise fail_from(exc) from None
    if not result.found or (not result.results and result.reason):
        raise Failure(result.reason or f"no script with id {script_id}", 1)
    click.echo(json.dumps(result_json(result), indent=2) if as_json else result_text(result))
    return 0
