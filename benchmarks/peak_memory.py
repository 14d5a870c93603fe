"""Peak memory of a rebuild (or of bare decoding), measured in a process of its own.

    python -m benchmarks.peak_memory rebuild|decode DB_URL

Prints JSON: the process's peak resident set size (KiB, VmHWM) once the ledger is open,
and again after the work, and how many events the work covered. The growth of the second over
the first is the memory the work itself needed; a separate process per measurement means no
earlier work's garbage is counted, and the whole process is measured, C allocations included
(tracemalloc sees Python objects only, and slows a million-event rebuild several times over).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from typing import Any


def peak_kib() -> int:
    """The process's resident high-water mark: VmHWM (reset by exec, unlike `ru_maxrss`,
    which a child started from a larger parent inherits), else `ru_maxrss`."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(work: str, url: str) -> dict[str, Any]:
    """Runs `work` on `url` in a fresh process and returns its figures."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.peak_memory", work, url],
                         capture_output=True, text=True, check=True,
                         cwd=__import__("pathlib").Path(__file__).resolve().parents[1]).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return figures


def main() -> None:
    from pooledbudget.application import open_ledger
    from pooledbudget.logs import configure_logging
    from pooledbudget.projections import rebuild

    from .baseline import bare_decode

    configure_logging("off")
    work, url = sys.argv[1], sys.argv[2]
    ledger = open_ledger(url)
    ledger.recorder.max_notification_id()
    opened = peak_kib()
    events = rebuild(ledger) if work == "rebuild" else bare_decode(ledger)
    print(json.dumps({"work": work, "events": events, "opened_kib": opened,
                      "peak_kib": peak_kib(), "grew_kib": peak_kib() - opened}))
    ledger.close()


if __name__ == "__main__":
    main()
