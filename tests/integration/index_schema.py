"""The schema with known answers for every generic finding kind, shared by the index tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.servers import PostgresCluster
from tests.integration.helpers import settings_for

NewDb = Callable[[PostgresCluster, str], str]

SCHEMA = '''
CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE parent2 (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE dup_t (id int PRIMARY KEY, a int, b int, c int, t text, flag bool);
CREATE INDEX dup_t_a_b ON dup_t (a, b);
CREATE INDEX dup_t_a ON dup_t (a);                          -- covered by dup_t_a_b / _a_incl
CREATE INDEX dup_t_c_1 ON dup_t (c);
CREATE INDEX dup_t_c_2 ON dup_t (c);                        -- exact duplicate of dup_t_c_1
CREATE INDEX dup_t_a_partial ON dup_t (a) WHERE flag;       -- differs by predicate only
CREATE INDEX dup_t_t ON dup_t (t);
CREATE INDEX dup_t_t_pattern ON dup_t (t text_pattern_ops); -- differs by opclass only
CREATE INDEX dup_t_t_c ON dup_t (t COLLATE "C");            -- differs by collation only
CREATE INDEX dup_t_a_incl ON dup_t (a) INCLUDE (c);         -- c is in no other index
CREATE INDEX dup_t_id ON dup_t (id);                        -- covered by the primary key
CREATE INDEX dup_t_lower_1 ON dup_t (lower(t));
CREATE INDEX dup_t_lower_2 ON dup_t (lower(t));             -- same expression
CREATE INDEX dup_t_upper ON dup_t (upper(t));
CREATE INDEX dup_t_b_desc ON dup_t (b DESC);                -- differs by sort order
CREATE INDEX dup_t_b_c ON dup_t (b, c);
INSERT INTO dup_t SELECT g, g % 100, g % 7, g % 13, 'x' || g, g % 2 = 0
  FROM generate_series(1, 2000) g;
CREATE TABLE used_t (id int PRIMARY KEY, v int);
CREATE INDEX used_t_v ON used_t (v);
INSERT INTO used_t SELECT g, g FROM generate_series(1, 500) g;
CREATE TABLE inv_t (id int, v int);
INSERT INTO inv_t VALUES (1, 1), (2, 1);
CREATE TABLE fk_child (id int PRIMARY KEY,
                       parent_id int REFERENCES parent (id) ON DELETE CASCADE);
CREATE TABLE fk_multi (id int PRIMARY KEY, p1 int, p2 int, x int,
                       FOREIGN KEY (p1, p2) REFERENCES parent2 (a, b) ON DELETE CASCADE);
CREATE INDEX fk_multi_p2_p1_x ON fk_multi (p2, p1, x);      -- covers (p1, p2) in another order
CREATE TABLE fk_partial (id int PRIMARY KEY,
                         parent_id int REFERENCES parent (id) ON DELETE SET NULL);
CREATE INDEX fk_partial_parent ON fk_partial (parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE fk_second (id int PRIMARY KEY, q int,
                        parent_id int REFERENCES parent (id) ON DELETE CASCADE);
CREATE INDEX fk_second_q_parent ON fk_second (q, parent_id);
CREATE TABLE fk_noaction (id int PRIMARY KEY, parent_id int REFERENCES parent (id));
CREATE INDEX fk_noaction_parent ON fk_noaction (parent_id);
CREATE TABLE nopk (a int, b int);
CREATE TABLE nopk_promo (a int NOT NULL, b int);
CREATE UNIQUE INDEX nopk_promo_a ON nopk_promo (a);
CREATE TABLE "Odd ""Name""" (id int PRIMARY KEY,
                             "Parent Ref" int REFERENCES parent (id) ON DELETE CASCADE);
CREATE TABLE seq_t (id int PRIMARY KEY, a int);
INSERT INTO seq_t SELECT g, g % 10 FROM generate_series(1, 2000) g;
'''

ODD_FK = 'fk_without_index:public.Odd "Name".Odd "Name"_Parent Ref_fkey'
UNUSED = {
    "dup_t_a", "dup_t_a_b", "dup_t_c_1", "dup_t_c_2", "dup_t_a_partial", "dup_t_t",
    "dup_t_t_pattern", "dup_t_t_c", "dup_t_a_incl", "dup_t_id", "dup_t_lower_1",
    "dup_t_lower_2", "dup_t_upper", "dup_t_b_desc", "dup_t_b_c", "fk_multi_p2_p1_x",
    "fk_partial_parent", "fk_second_q_parent", "fk_noaction_parent",
}  # fmt: skip


def build_schema(dsn: str) -> None:
    """The schema, a failed unique build (invalid index), fresh statistics with known scans."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY inv_t_v ON inv_t (v)")
        # pending insert counts are flushed before the reset, not added after it
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT pg_stat_reset()")
        conn.execute("ANALYZE")  # n_live_tup was reset too
        conn.execute("SET enable_seqscan = off")
        conn.execute("SELECT * FROM used_t WHERE v = 5").fetchall()
        conn.execute("RESET enable_seqscan")
        for _ in range(3):
            conn.execute("SELECT count(*) FROM seq_t WHERE a = 5").fetchall()
        # flushed before this statement's reply: the next reader sees the counters
        conn.execute("SELECT pg_stat_force_next_flush()")


def backend_with_audit(dsn: str, tmp_path: Path, **profile: object) -> LiveBackend:
    settings = settings_for(
        dsn, profile=dataclasses.replace(Profile(), audit_file=tmp_path / "audit.jsonl", **profile)
    )
    return LiveBackend(settings)
