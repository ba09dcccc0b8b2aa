"""The ``embed_missing`` admin action: psadmin's local embedder behind the queries layer.

``queries`` may not import ``psadmin.demo`` (where the hashing embedder lives), so the SQL
side (:func:`queries.vector_health.embed_missing`) takes the embedder as an argument and this
composition-root module registers the executor that passes it in. The backend imports this
module, which is what registers the executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from psadmin.demo.embedder import MODEL_NAME, embed, to_pgvector_text
from psadmin.models.actions import ActionOutcome
from psadmin.models.errors import BackendError
from psadmin.models.vectors import EMBED_BATCH, EMBED_PER_ACTION
from queries.actions import ActionContext, executor
from queries.vector_health import embed_missing

EMBEDDING_TYPE = "local-hashing"
LOCAL_MODEL = MODEL_NAME
"""The model_version this embedder writes (shown by vector health)."""
MAX_BATCH = 1000


def _vectors(texts: Sequence[str]) -> list[str]:
    return [to_pgvector_text(embed(text)) for text in texts]


async def local_embedder(texts: Sequence[str]) -> list[str]:
    """Hash in a worker thread so the TUI keeps drawing while a batch is embedded."""
    return await asyncio.to_thread(_vectors, texts)


def _whole(params: Mapping[str, Any], name: str, default: int, high: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise BackendError(f"{name} must be a whole number from 1 to {high}, not {value!r}")
    return value


@executor("embed_missing")
async def embed_missing_action(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    return await embed_missing(
        ctx.conn,
        local_embedder,
        model_version=MODEL_NAME,
        embedding_type=EMBEDDING_TYPE,
        limit=_whole(params, "limit", EMBED_PER_ACTION, EMBED_PER_ACTION),
        batch=_whole(params, "batch", EMBED_BATCH, MAX_BATCH),
    )
