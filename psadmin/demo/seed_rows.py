"""The demo's rows, table by table, as lazily generated ``TableRows`` ready for COPY.

Ids are assigned here so child rows can reference their parents without a round trip.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psadmin.demo.corpus import CATEGORIES, TAGS, ScriptDoc
from psadmin.demo.embedder import MODEL_NAME, embed, to_pgvector_text
from psadmin.demo.people import DemoUser

STATUSES = ("success", "success", "success", "success", "failure", "timeout", "cancelled")
ERRORS = {
    "failure": "Access to the path is denied.",
    "timeout": "The operation has timed out after 300 seconds.",
    "cancelled": "Execution cancelled by user.",
}
COMMENTS = (
    "Works on PS 7.4 too.",
    "Add -WhatIf please.",
    "Saved me an hour, thanks!",
    "Fails on servers without WinRM.",
    "Consider using Get-CimInstance here.",
)
CHAT_TOPICS = (
    ("find stale AD accounts", "Get-ADUser"),
    ("check free disk space", "Get-CimInstance"),
    ("restart a service remotely", "Invoke-Command"),
)
DOCS = (
    ("Get-ADUser", "ActiveDirectory"),
    ("Get-CimInstance", "CimCmdlets"),
    ("Invoke-Command", "Microsoft.PowerShell.Core"),
    ("Get-WinEvent", "Microsoft.PowerShell.Diagnostics"),
    ("Test-NetConnection", "NetTCPIP"),
    ("Get-AzVM", "Az.Compute"),
    ("Export-Csv", "Microsoft.PowerShell.Utility"),
    ("Register-ScheduledTask", "ScheduledTasks"),
    ("Get-Mailbox", "ExchangeOnlineManagement"),
    ("Compress-Archive", "Microsoft.PowerShell.Archive"),
    ("Set-ItemProperty", "Microsoft.PowerShell.Management"),
)


@dataclass(frozen=True)
class TableRows:
    table: str
    columns: tuple[str, ...]
    rows: Iterable[Sequence[Any]]


def rows(table: str, columns: str, data: Iterable[Sequence[Any]]) -> TableRows:
    return TableRows(table, tuple(columns.split()), data)


def jsonb(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def reference_rows() -> Iterator[TableRows]:
    yield rows(
        "categories",
        "id name description",
        ((i, name, text) for i, (name, text) in enumerate(CATEGORIES, 1)),
    )
    yield rows("tags", "id name", enumerate(TAGS, 1))


def user_rows(people: Sequence[DemoUser]) -> TableRows:
    return rows(
        "users",
        "id username email password_hash role last_login_at login_attempts locked_until"
        " created_at updated_at",
        (
            (
                u.id,
                u.username,
                u.email,
                u.password_hash,
                u.role,
                u.last_login_at,
                u.login_attempts,
                u.locked_until,
                u.created_at,
                u.created_at,
            )
            for u in people
        ),
    )


class ScriptRows:
    """Everything hanging off ``scripts``; random choices are drawn once and shared."""

    def __init__(
        self,
        docs: Sequence[ScriptDoc],
        people: Sequence[DemoUser],
        rng: random.Random,
        now: datetime,
    ) -> None:
        self.docs = docs
        self.people = people
        self.rng = rng
        self.now = now
        self.owners = [rng.choice(people).id for _ in docs]
        self.created = [now - timedelta(days=rng.uniform(1, 700)) for _ in docs]
        # Pareto: most scripts run rarely, a few run all the time.
        self.runs = [max(int(rng.paretovariate(1.2) * 3) - 3, 0) for _ in docs]

    def all(self) -> Iterator[TableRows]:
        yield self.scripts()
        yield self.versions()
        yield self.analyses()
        yield self.tags()
        yield self.embeddings()
        yield self.executions()

    def scripts(self) -> TableRows:
        category_ids = {name: i for i, (name, _) in enumerate(CATEGORIES, 1)}

        def generate() -> Iterator[Sequence[Any]]:
            for i, doc in enumerate(self.docs):
                updated = min(self.created[i] + timedelta(days=self.rng.uniform(0, 30)), self.now)
                runs = self.runs[i]
                digest = hashlib.md5(doc.content.encode(), usedforsecurity=False).hexdigest()
                yield (
                    i + 1,
                    doc.title,
                    doc.description,
                    doc.content,
                    self.owners[i],
                    category_ids[doc.category],
                    len(doc.versions),
                    self.rng.random() < 0.6,
                    runs,
                    digest,
                    round(self.rng.uniform(150, 9000), 1) if runs else None,
                    updated if runs else None,
                    self.created[i],
                    updated,
                )

        return rows(
            "scripts",
            "id title description content user_id category_id version is_public"
            " execution_count file_hash average_execution_time last_executed_at"
            " created_at updated_at",
            generate(),
        )

    def versions(self) -> TableRows:
        def generate() -> Iterator[Sequence[Any]]:
            vid = 0
            for i, doc in enumerate(self.docs):
                for number, (content, message) in enumerate(doc.versions, 1):
                    vid += 1
                    yield (
                        vid,
                        i + 1,
                        content,
                        number,
                        self.owners[i],
                        message,
                        self.created[i] + timedelta(days=number - 1),
                    )

        return rows(
            "script_versions",
            "id script_id content version user_id commit_message created_at",
            generate(),
        )

    def analyses(self) -> TableRows:
        def generate() -> Iterator[Sequence[Any]]:
            for sid, doc in enumerate(self.docs, 1):
                a = doc.analysis
                yield (
                    sid,
                    sid,
                    a.purpose,
                    a.security_score,
                    a.quality_score,
                    a.risk_score,
                    *map(
                        jsonb,
                        (
                            a.parameter_docs,
                            a.suggestions,
                            a.command_details,
                            a.ms_docs_references,
                            a.security_issues,
                            a.best_practice_violations,
                            a.performance_insights,
                            a.potential_risks,
                            a.code_complexity_metrics,
                            a.compatibility_notes,
                            a.execution_summary,
                        ),
                    ),
                )

        return rows(
            "script_analysis",
            "id script_id purpose security_score quality_score risk_score parameter_docs"
            " suggestions command_details ms_docs_references security_issues"
            " best_practice_violations performance_insights potential_risks"
            " code_complexity_metrics compatibility_notes execution_summary",
            generate(),
        )

    def tags(self) -> TableRows:
        tag_ids = {name: i for i, name in enumerate(TAGS, 1)}
        return rows(
            "script_tags",
            "script_id tag_id",
            (
                (sid, tag_ids[t])
                for sid, doc in enumerate(self.docs, 1)
                for t in dict.fromkeys(doc.tags)
            ),
        )

    def embeddings(self) -> TableRows:
        return rows(
            "script_embeddings",
            "id script_id embedding embedding_type model_version",
            (
                (
                    sid,
                    sid,
                    to_pgvector_text(embed(f"{d.title}\n{d.description}\n{d.content}")),
                    "local-hashing",
                    MODEL_NAME,
                )
                for sid, d in enumerate(self.docs, 1)
            ),
        )

    def executions(self) -> TableRows:
        rng = self.rng

        def generate() -> Iterator[Sequence[Any]]:
            eid = 0
            for i in range(len(self.docs)):
                for _ in range(min(self.runs[i], 12)):
                    eid += 1
                    status = rng.choice(STATUSES)
                    parameters = {
                        "ComputerName": f"SRV-{rng.randint(1, 60):02d}",
                        "WhatIf": rng.random() < 0.3,
                    }
                    address = f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                    yield (
                        eid,
                        i + 1,
                        rng.choice(self.people).id,
                        status,
                        round(rng.uniform(40, 30000), 1),
                        jsonb(parameters),
                        ERRORS.get(status),
                        address,
                        self.now - timedelta(hours=rng.uniform(0, 2000)),
                    )

        return rows(
            "execution_logs",
            "id script_id user_id status execution_time parameters error_message"
            " ip_address created_at",
            generate(),
        )


def social_rows(
    people: Sequence[DemoUser], scripts: int, rng: random.Random, now: datetime
) -> Iterator[TableRows]:
    """Comments, favourites, dependencies, chat, documentation and the agent tables."""
    commented = rng.sample(range(1, scripts + 1), k=min(scripts, max(scripts // 5, 1)))
    yield rows(
        "comments",
        "id script_id user_id content created_at updated_at",
        (
            (
                i,
                sid,
                rng.choice(people).id,
                rng.choice(COMMENTS),
                now - timedelta(days=i % 90),
                now - timedelta(days=i % 90),
            )
            for i, sid in enumerate(commented, 1)
        ),
    )
    favourites = {(rng.choice(people).id, rng.randint(1, scripts)) for _ in range(scripts // 2)}
    yield rows("user_favorites", "user_id script_id", sorted(favourites))
    pairs = ((rng.randint(1, scripts), rng.randint(1, scripts)) for _ in range(scripts // 10))
    yield rows(
        "script_dependencies",
        "parent_script_id child_script_id",
        sorted({(p, c) for p, c in pairs if p != c}),
    )
    chatters = rng.sample(list(people), k=min(len(people), max(len(people) // 4, 1)))
    chats = []
    for i, user in enumerate(chatters, 1):
        task, cmdlet = rng.choice(CHAT_TOPICS)
        chats.append(
            (
                i,
                user.id,
                jsonb([{"role": "user", "content": f"How do I {task}?"}]),
                f"Use {cmdlet}; the script library has a tested example.",
                now - timedelta(hours=i),
                now - timedelta(hours=i),
            )
        )
    yield rows("chat_history", "id user_id messages response created_at updated_at", chats)
    yield rows(
        "documentation",
        "id title url summary category tags extracted_commands extracted_modules",
        (
            (
                i,
                f"{cmd} ({module})",
                f"https://learn.microsoft.com/powershell/module/{module.lower()}/{cmd.lower()}",
                f"Reference for the {cmd} cmdlet.",
                "Cmdlet reference",
                jsonb([module]),
                jsonb([cmd]),
                jsonb([module]),
            )
            for i, (cmd, module) in enumerate(DOCS, 1)
        ),
    )
    yield rows(
        "agent_state",
        "id agent_id state",
        (
            (i, f"analyzer-{i}", jsonb({"queue": rng.randint(0, 5), "status": "idle"}))
            for i in range(1, 4)
        ),
    )
    yield rows(
        "conversation_history",
        "id agent_id role content",
        (
            (
                i,
                f"analyzer-{1 + i % 3}",
                "assistant" if i % 2 else "user",
                "Analyse script security.",
            )
            for i in range(1, 13)
        ),
    )
    yield rows(
        "tool_execution_results",
        "id agent_id tool_name input output",
        (
            (
                i,
                f"analyzer-{1 + i % 3}",
                "psscriptanalyzer",
                jsonb({"script_id": i}),
                jsonb({"warnings": rng.randint(0, 6)}),
            )
            for i in range(1, 10)
        ),
    )
