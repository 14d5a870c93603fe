"""A library that behaves like one: silent unless the host asks for its log, and never
reconfiguring the host's structlog. Each case runs in a fresh interpreter, since logging
configuration is process-wide (the test suite's conftest turns the log off)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

COMMANDS = textwrap.dedent('''
    from pooledbudget import LedgerError, open_ledger, parse_command
    manager = {"id": "pm", "partner": "ASC", "role": "pool_manager"}
    ledger = open_ledger("memory://")
    ledger.execute(parse_command({"command": "EstablishPool", "actor": manager,
        "pool_id": "P", "name": "Pool", "host": "ASC", "first_year": "2026-27",
        "partners": [{"code": "ASC", "name": "A"}, {"code": "CFS", "name": "C"}]}))
    ledger.execute_many([parse_command({"command": "PledgeContribution", "actor": {"id": "bh",
        "partner": code, "role": "budget_holder"}, "pool_id": "P", "partner": code,
        "year": "2026-27", "amount": "100.00"}) for code in ("ASC", "CFS")])
    try:
        ledger.execute(parse_command({"command": "ReceiveContribution", "actor": manager,
            "pool_id": "P", "partner": "ASC", "year": "2026-27", "amount": "900.00",
            "received_on": "2026-04-02", "reference": "R1"}))
    except LedgerError:
        pass
    ledger.close()
''')


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POOLEDBUDGET_LOG"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)


def test_execute_prints_nothing_unless_logging_was_configured() -> None:
    done = run_python(COMMANDS + "print('done')")
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("done\n", "")


def test_configure_logging_json_writes_the_ledgers_lines_to_stderr_only() -> None:
    done = run_python("from pooledbudget import configure_logging\n"
                      "configure_logging('json')\n" + COMMANDS)
    assert done.returncode == 0 and done.stdout == ""
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(x["command"], x["outcome"]) for x in lines] == [
        ("EstablishPool", "recorded"), ("PledgeContribution", "recorded"),
        ("PledgeContribution", "recorded"), ("ReceiveContribution", "rejected")]
    assert lines[-1]["rule"] == "R7" and all(x["event"] == "command" for x in lines)


def test_a_hosts_structlog_configuration_is_left_untouched() -> None:
    """The host configures structlog to collect its own events; the ledger's log, turned on,
    goes to stderr through its own logger: the host's configuration is the same objects
    before and after, its events still reach its own sink, and the ledger's do not."""
    host = textwrap.dedent('''
        import structlog
        seen = []
        def collect(logger, method, event_dict):
            seen.append(event_dict["event"])
            raise structlog.DropEvent
        structlog.configure(processors=[collect], cache_logger_on_first_use=False)
        before = structlog.get_config()
        from pooledbudget import configure_logging
        for mode in ("console", "json", "off", "stdlib", None):
            configure_logging(mode)
        configure_logging("json")
    ''')
    after = textwrap.dedent('''
        now = structlog.get_config()
        assert now == before and all(now[k] is before[k] for k in before), (before, now)
        structlog.get_logger().info("host-event")
        assert seen == ["host-event"], seen
        print("host config untouched")
    ''')
    done = run_python(host + COMMANDS + after)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "host config untouched\n"
    assert len(done.stderr.splitlines()) == 4  # the ledger's own lines, to stderr


def test_a_host_that_configures_the_standard_library_logging_receives_the_records() -> None:
    done = run_python("import logging, sys\n"
                      "logging.basicConfig(level=logging.INFO, stream=sys.stdout, "
                      "format='%(name)s %(levelname)s %(message)s')\n" + COMMANDS)
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 4 and all(x.startswith("pooledbudget INFO command ") for x in lines)
    assert "outcome=rejected" in lines[-1] and "rule=R7" in lines[-1]
    off = run_python("import logging, sys\nlogging.basicConfig(level=logging.INFO, "
                     "stream=sys.stdout)\nfrom pooledbudget import configure_logging\n"
                     "configure_logging('off')\n" + COMMANDS)
    assert (off.stdout, off.stderr) == ("", "")
