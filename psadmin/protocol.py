"""The backend as screens see it. Screens import this, never the implementation or drivers."""

from __future__ import annotations

from typing import Protocol

from psadmin.models.capabilities import Capabilities
from psadmin.models.overview import ActivitySample, DatabaseSize
from psadmin.models.redis import RedisStatus


class Backend(Protocol):
    """Async data access for every screen; each method raises BackendError on failure."""

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def target_display(self) -> str:
        """Where psadmin is connected, without the password."""
        ...

    @property
    def read_only(self) -> bool: ...

    async def activity_sample(self) -> ActivitySample: ...

    async def database_size(self) -> DatabaseSize: ...

    async def redis_status(self) -> RedisStatus: ...

    async def close(self) -> None: ...
