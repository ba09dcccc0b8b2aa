"""Sessions, connection utilization, application pools and the blocking tree.

Everything here is plain data plus the pure functions that derive pools and the blocking tree
from a list of sessions, so the screen, the snapshot and the tests share one definition.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

IN_TRANSACTION = ("idle in transaction", "idle in transaction (aborted)")

STATES: tuple[tuple[str | None, str], ...] = (
    ("active", "active"),
    ("idle", "idle"),
    ("idle in transaction", "idle_in_transaction"),
    ("idle in transaction (aborted)", "idle_in_transaction_aborted"),
    ("fastpath function call", "fastpath_function_call"),
    ("disabled", "disabled"),
    (None, "not_visible"),
)
"""pg_stat_activity states and their snake_case keys; None is a session this role cannot see."""


@dataclass(frozen=True, slots=True)
class Session:
    """One client backend as pg_stat_activity shows it to this role."""

    pid: int
    backend_start: datetime | None
    """With ``pid``, what identifies a session: pids are reused, start times are not."""
    user: str | None
    application: str
    client_addr: str | None
    """None for a Unix-socket connection (or when hidden)."""
    database: str | None
    state: str | None
    """None when this role may not see the session's details."""
    wait_event_type: str | None
    wait_event: str | None
    backend_age_s: float | None
    xact_age_s: float | None
    query_age_s: float | None
    state_age_s: float | None
    query: str
    blocked_by: tuple[int, ...] = ()
    """pg_blocking_pids(), read only for sessions waiting on a heavyweight lock."""
    can_signal: bool = False
    """Whether this role may cancel/terminate it (own role, pg_signal_backend, superuser)."""
    lock_mode: str | None = None
    """The lock mode it waits for, e.g. ``ShareLock``."""
    lock_target: str | None = None
    """What it waits on: a relation name or a lock type such as ``transactionid``."""
    lock_wait_s: float | None = None

    @property
    def key(self) -> tuple[int, str]:
        stamp = self.backend_start.isoformat() if self.backend_start else ""
        return (self.pid, stamp)

    @property
    def waiting_on_lock(self) -> bool:
        return self.wait_event_type == "Lock"

    @property
    def duration_s(self) -> float | None:
        """What "how long" means for its state: the query, the transaction, or the idleness."""
        if self.state in IN_TRANSACTION:
            return self.xact_age_s
        if self.state == "idle":
            return self.state_age_s
        return self.query_age_s


@dataclass(frozen=True, slots=True)
class StateCounts:
    """Client backends by state (psadmin's own included: they use slots too)."""

    active: int = 0
    idle: int = 0
    idle_in_transaction: int = 0
    idle_in_transaction_aborted: int = 0
    fastpath_function_call: int = 0
    disabled: int = 0
    not_visible: int = 0

    @property
    def total(self) -> int:
        return sum(self.as_dict().values())

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for _, key in STATES}


def count_states(states: Iterable[str | None]) -> StateCounts:
    keys = dict(STATES)
    counts: dict[str, int] = defaultdict(int)
    for state in states:
        counts[keys.get(state, "not_visible")] += 1
    return StateCounts(**counts)


@dataclass(frozen=True, slots=True)
class AppPool:
    """Connections of one application from one client address, against its configured size."""

    application_name: str
    client_addr: str | None
    size: int | None
    """Configured pool size for this application, None when not configured."""
    total: int
    active: int
    idle: int
    idle_in_transaction: int
    waiting: int
    """Sessions of this pool waiting on a heavyweight lock."""
    longest_wait_s: float | None

    @property
    def ratio(self) -> float | None:
        return self.total / self.size if self.size else None


def app_pools(
    sessions: Iterable[Session], sizes: Mapping[str, int], own: Iterable[Session] = ()
) -> tuple[AppPool, ...]:
    """Group by application and client address, busiest first, psadmin's own pool included."""
    groups: dict[tuple[str, str | None], list[Session]] = defaultdict(list)
    for session in (*sessions, *own):
        groups[(session.application, session.client_addr)].append(session)
    pools = []
    for (app, addr), members in groups.items():
        waits = [s.lock_wait_s or s.state_age_s or 0.0 for s in members if s.waiting_on_lock]
        pools.append(
            AppPool(
                application_name=app,
                client_addr=addr,
                size=sizes.get(app),
                total=len(members),
                active=sum(s.state == "active" for s in members),
                idle=sum(s.state == "idle" for s in members),
                idle_in_transaction=sum(s.state in IN_TRANSACTION for s in members),
                waiting=len(waits),
                longest_wait_s=max(waits) if waits else None,
            )
        )
    pools.sort(key=lambda p: (-(p.ratio or 0.0), -p.total, p.application_name, p.client_addr or ""))
    return tuple(pools)


@dataclass(frozen=True, slots=True)
class BlockingNode:
    """A session that blocks others (a root) or waits (a child), with who waits on it."""

    session: Session
    blocked: tuple[BlockingNode, ...]
    released: tuple[int, ...]
    """The waiting sessions terminating this one would release: those whose every blocker
    is this session or another session it releases."""

    @property
    def pid(self) -> int:
        return self.session.pid

    @property
    def frees(self) -> int:
        return len(self.released)

    def walk(self) -> Iterable[BlockingNode]:
        yield self
        for child in self.blocked:
            yield from child.walk()


def _released_by(pid: int, blockers: Mapping[int, set[int]]) -> set[int]:
    released: set[int] = set()
    gone = {pid}
    changed = True
    while changed:
        changed = False
        for waiter, its_blockers in blockers.items():
            if waiter not in gone and its_blockers <= gone:
                gone.add(waiter)
                released.add(waiter)
                changed = True
    return released


def blocking_tree(sessions: Sequence[Session]) -> tuple[BlockingNode, ...]:
    """Roots (blockers not waiting on a lock themselves) with their waiters, recursively.

    A waiter blocked by several sessions appears under each of them. A cycle (a deadlock the
    server has not broken yet) has no natural root; its lowest pid is used.
    """
    by_pid = {s.pid: s for s in sessions}
    blockers = {s.pid: set(s.blocked_by) - {s.pid} for s in sessions if s.blocked_by}
    waiters: dict[int, list[int]] = defaultdict(list)
    for waiter, its_blockers in sorted(blockers.items()):
        for blocker in sorted(its_blockers):
            waiters[blocker].append(waiter)
    roots = [pid for pid in waiters if pid not in blockers]
    reached: set[int] = set()

    def build(pid: int, path: frozenset[int]) -> BlockingNode:
        reached.add(pid)
        session = by_pid.get(pid) or _unseen(pid)
        children = tuple(
            build(child, path | {child}) for child in waiters.get(pid, ()) if child not in path
        )
        return BlockingNode(session, children, tuple(sorted(_released_by(pid, blockers))))

    tree = [build(pid, frozenset({pid})) for pid in sorted(roots)]
    for pid in sorted(waiters):  # cycles: nothing above them is a root
        if pid not in reached:
            tree.append(build(pid, frozenset({pid})))
    tree.sort(key=lambda node: (-node.frees, node.pid))
    return tuple(tree)


def _unseen(pid: int) -> Session:
    """A blocker missing from the session list: a prepared transaction (pid 0) or a
    non-client process."""
    label = "prepared transaction" if pid == 0 else "not a client session"
    return Session(pid, None, None, label, None, None, None, None, None, None, None, None, None, "")


def root_of(pid: int, tree: Sequence[BlockingNode]) -> BlockingNode | None:
    """The root whose subtree holds ``pid`` (the root with the most waiters wins)."""
    for root in tree:
        if any(node.pid == pid for node in root.walk()):
            return root
    return None


@dataclass(frozen=True, slots=True)
class ConnectionActivity:
    """One refresh of the Connections screen."""

    taken_at: datetime
    max_connections: int
    usable_connections: int
    """max_connections minus superuser_reserved_connections and reserved_connections."""
    by_state: StateCounts
    sessions: tuple[Session, ...]
    """Client sessions except psadmin's own."""
    psadmin_sessions: int
    pools: tuple[AppPool, ...]
    blocking: tuple[BlockingNode, ...]

    @property
    def connections(self) -> int:
        return self.by_state.total

    @property
    def ratio(self) -> float:
        return self.connections / self.usable_connections

    @property
    def waiting_on_locks(self) -> int:
        return sum(s.waiting_on_lock for s in self.sessions)


@dataclass(frozen=True, slots=True)
class PgBouncerPool:
    """One SHOW POOLS row (per database and user)."""

    database: str
    user: str
    cl_active: int
    cl_waiting: int
    sv_active: int
    sv_idle: int
    sv_used: int
    sv_tested: int
    sv_login: int
    maxwait_s: float
    """How long the oldest waiting client has waited; rising means the pool is too small."""
    pool_mode: str


@dataclass(frozen=True, slots=True)
class PgBouncerStats:
    """One SHOW STATS row (per database): totals since start, averages per stats_period."""

    database: str
    total_xact_count: int
    total_query_count: int
    total_wait_time_us: int
    avg_xact_count: int
    avg_query_count: int
    avg_xact_time_us: int
    avg_query_time_us: int
    avg_wait_time_us: int


@dataclass(frozen=True, slots=True)
class PgBouncerStatus:
    """PgBouncer's view, or why there is none (not configured, unreachable)."""

    pools: tuple[PgBouncerPool, ...] | None
    stats: tuple[PgBouncerStats, ...] = ()
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.pools is not None


_SIGNAL_WHERE = (
    "FROM pg_stat_activity WHERE pid = $1 AND backend_start = $2 AND pid <> pg_backend_pid() "
    "AND application_name IS DISTINCT FROM 'psadmin'"
)
SIGNAL_STATEMENTS = {
    "cancel_backend": "SELECT pg_cancel_backend(pid) AS signalled " + _SIGNAL_WHERE,
    "terminate_backend": "SELECT pg_terminate_backend(pid, $3) AS signalled " + _SIGNAL_WHERE,
}
"""What the executors run per session (queries/sql/<kind>.sql), as the confirmation shows it."""
