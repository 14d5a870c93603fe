"""The console the CLI prints tables to."""

from __future__ import annotations

from rich.console import Console


def console(piped_width: int = 200) -> Console:
    """A rich console; piped to a file, it is wide enough not to truncate figures to 80 columns.
    Markup and emoji codes are off: what is printed includes text users wrote (reasons,
    suppliers, names), and `[/bold]` or `[link=...]` in it must print as written."""
    out = Console(markup=False, emoji=False)
    if not out.is_terminal:
        out.width = piped_width
    return out
