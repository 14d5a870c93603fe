"""The targets a run is graded against, one registry printed at the end of `python -m benchmarks`.

A target names the figure (`runner.Figure.name`) whose ratio it grades, the bound and its
direction. A figure the run did not produce is printed as "not measured", never guessed; a target
graded only on some backends or sizes is "not graded" elsewhere (the figure still shows).

To add one, append a `Target` to `TARGETS` (or call `register`) and add the figure of that name in
the runner's step that measures it:

    register(Target("verify_from_seal", "≤", 0.1, "verify after 1% new events ÷ a full verify"))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["met", "missed", "not measured", "not graded"]


@dataclass(frozen=True)
class Target:
    figure: str  # the Figure whose ratio is graded
    direction: Literal["≤", "≥"]
    threshold: float
    what: str
    backends: tuple[str, ...] = ("sqlite", "postgresql")  # where it is graded
    sizes: tuple[str, ...] = ("tiny", "quick", "full")
    source: str = "issue 25"

    def bound(self) -> str:
        return f"{self.direction} {self.threshold:g}"

    def grade(self, ratio: float | None, backend: str, size: str) -> Status:
        if ratio is None:
            return "not measured"
        if backend not in self.backends or size not in self.sizes:
            return "not graded"
        ok = ratio <= self.threshold if self.direction == "≤" else ratio >= self.threshold
        return "met" if ok else "missed"


TARGETS: list[Target] = [
    # issue 25's own
    Target("startup_shares", "≤", 1.5,
           "`pooledbudget report shares` on a small ledger, whole process ÷ a process importing "
           "only eventsourcing, SQLAlchemy and pydantic"),
    Target("as_at_vs_live", "≤", 5.0,
           "as-at at the end of the largest history ÷ the live report"),
    Target("as_at_growth", "≤", 1.5,
           "as-at latency at the largest history ÷ at 100k events"),
    Target("verify_from_seal", "≤", 0.1,
           "verify after 1% new events on the largest history ÷ a full verify"),
    Target("import_vs_peer", "≥", 1.0,
           "import lines/s ÷ the plain-SQL double-entry peer's, batches of 100, same database",
           backends=("postgresql",)),
    # what the earlier benchmarks met, which stays met
    Target("latency_growth", "≤", 1.5, "one spend's p50, largest ÷ smallest history",
           source="earlier"),
    Target("follow_growth", "≤", 1.5, "a fresh projection following a feed, largest ÷ smallest",
           source="earlier"),
    Target("rebuild_memory_growth", "≤", 1.25, "rebuild memory, 1M ÷ 100k events",
           sizes=("full",), source="earlier"),
    Target("catch_up", "≥", 0.5, "catch-up events/s ÷ bare decoding", source="earlier"),
    Target("funds_catch_up", "≥", 0.67, "catch-up per event, many funds ÷ one",
           source="earlier"),
    Target("funds_report_growth", "≤", 1.5, "one fund's reports, many funds ÷ one",
           source="earlier"),
    Target("funds_as_at_growth", "≤", 1.5, "one fund's as-at, many funds ÷ one",
           source="earlier"),
    Target("years_as_at_growth", "≤", 1.5, "latest year's as-at, many years ÷ one",
           source="earlier"),
]


def register(target: Target) -> None:
    """Adds a target (replacing one that grades the same figure)."""
    TARGETS[:] = [t for t in TARGETS if t.figure != target.figure] + [target]


@dataclass(frozen=True)
class Graded:
    target: Target
    ratio: float | None
    status: Status

    def as_dict(self) -> dict[str, Any]:
        return {"figure": self.target.figure, "target": self.target.bound(),
                "ratio": self.ratio, "status": self.status, "what": self.target.what,
                "source": self.target.source}


def grade(ratios: dict[str, float], backend: str, size: str) -> list[Graded]:
    """Every registered target against a run's ratios (figure name → ratio)."""
    return [Graded(t, ratios.get(t.figure), t.grade(ratios.get(t.figure), backend, size))
            for t in TARGETS]


def print_targets(graded: list[Graded], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    colour = {"met": "green", "missed": "red", "not measured": "yellow", "not graded": "dim"}
    table = Table(title=title)
    for column in ("target", "ratio", "bound", "", "what"):
        table.add_column(column, justify="right" if column == "ratio" else "left")
    for row in graded:
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}"
        table.add_row(row.target.figure, ratio, row.target.bound(),
                      f"[{colour[row.status]}]{row.status}[/]", row.target.what)
    Console(width=max(Console().width, 130)).print(table)
