"""How ``psadmin vacuum`` prints progress: in place on a terminal, one line per phase otherwise."""

from __future__ import annotations

import io

from psadmin.commands.vacuum_progress import ProgressPrinter, progress_line
from psadmin.models.vacuum import VacuumProgress


def row(phase: str, scanned: int = 0, vacuumed: int = 0, passes: int = 0) -> VacuumProgress:
    return VacuumProgress(
        pid=7,
        relid=16384,
        table="public.big",
        command="VACUUM",
        phase=phase,
        autovacuum=False,
        own=True,
        heap_blks_total=2000,
        heap_blks_scanned=scanned,
        heap_blks_vacuumed=vacuumed,
        index_vacuum_count=passes,
    )


def test_line_has_phase_share_blocks_and_index_passes() -> None:
    line = progress_line(row("scanning heap", scanned=500))
    assert line == (
        "VACUUM public.big: scanning heap 25% · heap 500/2,000 blocks scanned, "
        "0/2,000 vacuumed · index passes 0"
    )
    later = progress_line(row("vacuuming heap", scanned=2000, vacuumed=1000, passes=1))
    assert later.startswith("VACUUM public.big: vacuuming heap 50% ·")
    assert "1,000/2,000 vacuumed · index passes 1" in later


def test_hostile_table_name_stays_on_one_line() -> None:
    hostile = VacuumProgress(
        pid=7,
        relid=1,
        table='public."a\nb\x1b[2J"',
        command="VACUUM FULL",
        phase="writing new heap",
        autovacuum=False,
        own=True,
        tuples_scanned=10,
        tuples_written=5,
    )
    line = progress_line(hostile)
    assert "\n" not in line and "\x1b" not in line
    assert line.startswith('VACUUM FULL public."a?b?[2J": writing new heap 50% · tuples 5 written')


def test_not_a_terminal_prints_one_line_per_phase() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=False)
    for sample in (
        row("scanning heap", 100),
        row("scanning heap", 900),
        row("vacuuming indexes", 2000),
        row("vacuuming heap", 2000, 10, 1),
        row("vacuuming heap", 2000, 900, 1),
    ):
        printer.show(sample)
    printer.close()
    lines = out.getvalue().splitlines()
    assert [line.split(": ")[1].split(" ")[0:2] for line in lines] == [
        ["scanning", "heap"],
        ["vacuuming", "indexes"],
        ["vacuuming", "heap"],
    ]
    assert "5%" in lines[0] and "\r" not in out.getvalue()  # the first sample of each phase


def test_terminal_rewrites_one_line_and_erases_it_at_the_end() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=True)
    printer.show(row("scanning heap", 100))
    printer.show(row("scanning heap", 900))
    printer.close()
    text = out.getvalue()
    assert "\n" not in text  # one line, rewritten in place
    assert text.count("\r\x1b[K") == 3  # two updates, then erased for the result
    assert "900/2,000 blocks scanned" in text.split("\r\x1b[K")[2]
    assert text.endswith("\r\x1b[K")


def test_terminal_close_without_samples_writes_nothing() -> None:
    out = io.StringIO()
    ProgressPrinter(out, tty=True).close()
    assert out.getvalue() == ""
