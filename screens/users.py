"""Screen 6: application accounts — who is locked, who is close to it, unlock / lock / reset.

The list pages by keyset (the last row of a page is where the next one starts), so a table of
100,000 accounts pages as fast as one of 100. Actions go through the app's confirmation and
audit path; this screen only builds the requests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from psadmin.models.user_actions import (
    bulk_unlock_request,
    lock_request,
    reset_request,
    unlock_all_locked_request,
    unlock_request,
)
from psadmin.models.users import (
    UserFilter,
    UserPage,
    UserQuery,
    UserRow,
    UserSort,
    UsersSummary,
    cursor_of,
    format_remaining,
)
from screens.base import PanelScreen, PollingScreen
from screens.context import ScreenContext
from screens.lock_user import LockChoice, LockUserScreen
from widgets.keyed_table import Cell, KeyedTable

COLUMNS = (
    ("mark", " "),
    ("id", "id"),
    ("username", "username"),
    ("attempts", "fails"),
    ("left", "lock left"),
    ("locked_until", "locked until (UTC)"),
    ("role", "role"),
    ("email", "email"),
    ("last_login", "last login (UTC)"),
    ("created", "created (UTC)"),
)
FILTERS = tuple(UserFilter)
SORTS = tuple(UserSort)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


class UsersScreen(PollingScreen):
    panel_title = "Users"
    AUTO_FOCUS = "#users-table"  # not the search box, or the action keys would type into it

    DEFAULT_CSS = """
    UsersScreen #users-header { height: auto; padding: 0 1; }
    UsersScreen #users-bar { height: 3; padding: 0 1; }
    UsersScreen #users-search { width: 1fr; }
    UsersScreen #users-state { width: 2fr; padding: 1 1 0 1; }
    UsersScreen #users-table { height: 1fr; }
    """

    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="users.search"),
        Binding("f", "cycle_filter", "Filter", id="users.filter"),
        Binding("s", "cycle_sort", "Sort", id="users.sort"),
        Binding("n", "next_page", "Next page", id="users.next_page"),
        Binding("p", "previous_page", "Prev page", id="users.previous_page"),
        Binding("space", "toggle_mark", "Mark", id="users.mark"),
        Binding("u", "unlock", "Unlock", id="users.unlock"),
        Binding("U", "unlock_many", "Unlock marked/all", id="users.unlock_many"),
        Binding("l", "lock", "Lock", id="users.lock"),
        Binding("r", "reset_attempts", "Reset fails", id="users.reset"),
        Binding("escape", "leave_search", "Back to list", show=False, id="users.leave_search"),
    ]

    @dataclass
    class Loaded(Message):
        query: UserQuery
        summary: UsersSummary
        page: UserPage | None

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.query_state = UserQuery()
        self.summary: UsersSummary | None = None
        self.page: UserPage | None = None
        self.page_no = 1
        self.rows: dict[int, UserRow] = {}
        self.marked: dict[int, UserRow] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("Loading accounts…", id="users-header")
        with Horizontal(id="users-bar"):
            yield Input(placeholder="/ search username or email", id="users-search")
            yield Static("", id="users-state")
        yield KeyedTable(COLUMNS, id="users-table")

    # -- loading --------------------------------------------------------------------------

    async def fetch(self) -> Message:
        backend = self.context.backend
        while True:  # a filter changed while loading is loaded before anything is shown
            query = self.query_state
            summary = await backend.users_summary()
            page = await backend.users_page(query) if summary.available else None
            if query == self.query_state:
                return self.Loaded(query, summary, page)

    def on_users_screen_loaded(self, loaded: Loaded) -> None:
        self.summary, self.page = loaded.summary, loaded.page
        if loaded.page is not None and not loaded.page.has_previous:
            self.page_no = 1
        self.rows = {row.id: row for row in loaded.page.rows} if loaded.page else {}
        self._show()

    def _show(self) -> None:
        self._show_header()
        self._show_state()
        table = self.query_one(KeyedTable)
        page = self.page
        if page is None:
            table.show(())
            return
        table.show((row.id, self._cells(row, page.as_of)) for row in page.rows)

    def _cells(self, row: UserRow, now: datetime) -> tuple[Cell, ...]:
        summary = self.summary
        locked = row.locked_at(now)
        at_risk = (
            summary is not None
            and not locked
            and row.login_attempts >= summary.policy.at_risk_attempts
        )
        style = "bold red" if locked else "yellow" if at_risk else ""
        return (
            "✓" if row.id in self.marked else "",
            row.id,
            Text(row.username, style=style),
            Text(str(row.login_attempts), style=style),
            Text(format_remaining(row.remaining_s(now)), style=style),
            _when(row.locked_until if locked else None),
            Text(row.role or "", style="bold" if row.is_admin else ""),
            row.email,
            _when(row.last_login_at),
            _when(row.created_at),
        )

    def _show_header(self) -> None:
        header = self.query_one("#users-header", Static)
        summary = self.summary
        if summary is None:
            return
        text = Text()
        policy = summary.policy
        text.append("Policy ", style="dim")
        text.append(f"{policy.max_attempts} fails → locked {policy.lock_minutes} min")
        text.append(f" · at risk ≥ {policy.at_risk_attempts}", style="dim")
        if not summary.available or summary.counts is None:
            text.append(f"\n{summary.reason}", style="bold red")
            if summary.fix:
                text.append(f" — {summary.fix}")
        else:
            counts = summary.counts
            text.append(" │ ", style="dim")
            text.append(f"{counts.locked} locked", style="bold red" if counts.locked else "")
            text.append(" · ")
            text.append(f"{counts.at_risk} at risk", style="yellow" if counts.at_risk else "")
            text.append(f" · {counts.total} users · {counts.admins} admins", style="dim")
        if self.context.backend.read_only:
            text.append("   READ-ONLY: actions are refused", style="bold black on yellow")
        elif summary.available and not summary.can_update:
            text.append("   this role may not UPDATE users: actions will fail", style="bold red")
        header.update(text)

    def _show_state(self) -> None:
        query = self.query_state
        parts = [f"filter: {query.filter.label}", f"sort: {query.sort.label}"]
        if query.search:
            parts.append(f"search: {query.search[:30]!r}")
        parts.append(f"page {self.page_no}")
        if self.page is not None and self.page.has_next:
            parts.append("more →")
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        self.query_one("#users-state", Static).update(" · ".join(parts))

    def _requery(self, query: UserQuery) -> None:
        """A new filter, sort or search starts again from the first page."""
        self.query_state = replace(query, after=None, before=None)
        self.page_no = 1
        self._show_state()
        self.tick()

    # -- filters, search, paging ----------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#users-search", Input).focus()

    def action_leave_search(self) -> None:
        self.query_one(KeyedTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "users-search" and event.value != self.query_state.search:
            self._requery(replace(self.query_state, search=event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "users-search":
            self.query_one(KeyedTable).focus()

    def action_cycle_filter(self) -> None:
        current = FILTERS.index(self.query_state.filter)
        self._requery(replace(self.query_state, filter=FILTERS[(current + 1) % len(FILTERS)]))

    def action_cycle_sort(self) -> None:
        current = SORTS.index(self.query_state.sort)
        self._requery(replace(self.query_state, sort=SORTS[(current + 1) % len(SORTS)]))

    def action_next_page(self) -> None:
        page = self.page
        if page is None or not page.has_next or not page.rows:
            self.notify("This is the last page.", timeout=2)
            return
        last = cursor_of(page.rows[-1], self.query_state.sort)
        self.query_state = replace(self.query_state, after=last, before=None)
        self.page_no += 1
        self.tick()

    def action_previous_page(self) -> None:
        page = self.page
        if page is None or not page.has_previous or not page.rows:
            self.notify("This is the first page.", timeout=2)
            return
        first = cursor_of(page.rows[0], self.query_state.sort)
        self.query_state = replace(self.query_state, before=first, after=None)
        self.page_no = max(self.page_no - 1, 1)
        self.tick()

    # -- actions --------------------------------------------------------------------------

    def _selected(self) -> UserRow | None:
        key = self.query_one(KeyedTable).selected_key
        row = self.rows.get(key) if isinstance(key, int) else None
        if row is None:
            self.notify("No account selected.", severity="warning", timeout=3)
        return row

    def _now(self) -> datetime | None:
        return self.page.as_of if self.page is not None else None

    def _keys(self) -> tuple[str, ...]:
        return self.summary.unlock_redis_keys if self.summary is not None else ()

    def action_toggle_mark(self) -> None:
        row = self._selected()
        if row is None:
            return
        if self.marked.pop(row.id, None) is None:
            self.marked[row.id] = row
        self._show()
        self.query_one(KeyedTable).action_cursor_down()

    def action_unlock(self) -> None:
        row = self._selected()
        if row is not None:
            self.request_action(unlock_request(row, self._now(), self._keys()))

    def action_reset_attempts(self) -> None:
        row = self._selected()
        if row is not None:
            self.request_action(reset_request(row, self._now(), self._keys()))

    def action_unlock_many(self) -> None:
        if self.marked:
            marked = sorted(self.marked.values(), key=lambda r: r.username)
            self.request_action(bulk_unlock_request(marked, self._keys()))
            return
        counts = self.summary.counts if self.summary is not None else None
        if counts is None or counts.locked == 0:
            self.notify("No account is locked.", timeout=3)
            return
        self.request_action(unlock_all_locked_request(counts.locked, self._keys()))

    def action_lock(self) -> None:
        row = self._selected()
        if row is None:
            return
        minutes = self.summary.policy.lock_minutes if self.summary is not None else 30

        def chosen(choice: LockChoice | None) -> None:
            if choice is not None:
                request = lock_request(row, choice.minutes, self._now(), choice.reason)
                self.request_action(request)

        self.app.push_screen(LockUserScreen(row.username, minutes), chosen)

    def on_panel_screen_action_finished(self, message: PanelScreen.ActionFinished) -> None:
        # PollingScreen's handler runs too (Textual calls every class's) and refreshes.
        if message.outcome is not None and "user_ids" in message.request.params:
            self.marked.clear()
