"""The rules page keeps up with the code, and no page points outside the repository.

- every rule number the source cites (`R14` in code, docstrings, messages) has an entry in
  docs/reference/rules.md, with links to the code and the tests that implement it, and the entries
  run R1, R2, … without a gap;
- every error code the source raises under a rule is named in that rule's entry;
- every rule implemented so far, i.e. cited in src/, is cited by at least one test module, so a
  rule that lands joins this check by itself;
- every relative link in docs/, README.md and examples/ resolves to a file of the repository (and
  an anchor of it, where it names one), and nothing names the specification files that are not
  shipped with it;
- a rejected command's message cites its rule once.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType

import pytest

from pooledbudget.cli import main
from pooledbudget.errors import LedgerError, cite_once

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "pooledbudget"
RULES = REPO / "docs" / "reference" / "rules.md"
CITATION = re.compile(r"(?<![0-9A-Za-z])R([0-9]{1,3})(?![0-9])")
ENTRY = re.compile(r'^<a id="r([0-9]+)"></a>\n## R([0-9]+) — .+$', re.MULTILINE)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
OUTSIDE = ("INTERCHANGE.md", "DOMAIN.md", "../shared", "spec/DOMAIN", "spec/INTERCHANGE")


def _rules_in(paths: list[Path]) -> set[int]:
    return {int(n) for path in paths for n in CITATION.findall(path.read_text(encoding="utf-8"))}


def _source_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _entries() -> dict[int, str]:
    """Each rule's section of rules.md, from its heading to the next heading."""
    text = RULES.read_text(encoding="utf-8")
    found = list(ENTRY.finditer(text))
    sections = {}
    for i, match in enumerate(found):
        assert match.group(1) == match.group(2), f"anchor r{match.group(1)} on R{match.group(2)}"
        end = text.find("\n## ", match.end())
        sections[int(match.group(2))] = text[match.end(): end if end != -1 else len(text)]
        assert i == 0 or int(match.group(2)) > int(found[i - 1].group(2))
    return sections


def _gen_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reference", REPO / "scripts" / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_rule_cited_in_the_source_has_an_entry_and_the_entries_have_no_gap() -> None:
    entries = _entries()
    cited = _rules_in(_source_files())
    assert cited, "the source cites no rule: the pattern is wrong"
    assert cited <= set(entries), f"rules cited in src/ without an entry: {sorted(cited - set(entries))}"
    assert sorted(entries) == list(range(1, max(entries) + 1))
    assert max(entries) >= 35


def test_every_implemented_rule_links_to_its_code_and_its_tests() -> None:
    entries = _entries()
    for number in sorted(_rules_in(_source_files())):
        links = LINK.findall(entries[number])
        assert any(link.startswith("../../src/") for link in links), \
            f"R{number} is cited in src/: link its code from its entry in docs/reference/rules.md"
        assert any(link.startswith("../../tests/") for link in links), \
            f"R{number} is cited in src/: link its tests from its entry in docs/reference/rules.md"


def test_every_error_code_raised_under_a_rule_is_named_in_its_entry() -> None:
    entries = _entries()
    codes, _ = _gen_reference().scan_error_codes()
    missing = [f"{code} (R{rule[1:]})" for code, info in codes.items() for rule in info["rules"]
               if re.fullmatch(r"R[0-9]+", rule) and f"`{code}`" not in entries[int(rule[1:])]]
    assert codes, "the scan found no error codes"
    assert missing == [], "name these codes in their rule's entry in docs/reference/rules.md"


def test_every_rule_implemented_so_far_is_cited_by_a_test() -> None:
    """A test module cites a rule as `R14` in its text or in a name (`test_r14_...`); a rule a
    scenario's `*.errors.json` names counts too, as tests/scenarios/test_every_scenario.py
    requires each listed line to fail under it."""
    tests = [p for p in sorted((REPO / "tests").rglob("test_*.py"))
             if p.name not in ("test_rules_reference.py", "test_before_after.py")]
    text = "\n".join(p.read_text(encoding="utf-8") for p in tests)
    cited = {int(n) for n in CITATION.findall(text)}
    cited |= {int(n) for n in re.findall(r"test_r([0-9]+)_", text)}
    if (REPO / "tests" / "scenarios" / "test_every_scenario.py").exists():
        for listed in sorted((REPO / "tests" / "scenarios" / "data").glob("*.errors.json")):
            cited |= {int(item["rule"][1:]) for item in json.loads(listed.read_text("utf-8"))
                      if item.get("rule")}
    untested = sorted(_rules_in(_source_files()) - cited)
    assert untested == [], f"rules the source implements that no test cites: {untested}"


def _doc_files() -> list[Path]:
    return sorted([*(REPO / "docs").rglob("*.md"), REPO / "README.md",
                   *(REPO / "examples").rglob("*.py"), *(REPO / "examples").rglob("*.md")])


def _anchors(page: Path) -> set[str]:
    """`<a id>` anchors and heading ids as Markdown's table of contents makes them."""
    text = page.read_text(encoding="utf-8")
    ids = set(re.findall(r'<a id="([^"]+)"', text))
    for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\s-]", "", heading.lower()).strip()
        ids.add(re.sub(r"[\s]+", "-", slug))
    return ids


def test_no_doc_links_outside_the_repository_and_every_link_resolves() -> None:
    checked, broken = 0, []
    for page in _doc_files():
        text = page.read_text(encoding="utf-8")
        broken += [f"{page.relative_to(REPO)} names {name}" for name in OUTSIDE if name in text]
        if page.suffix != ".md":
            continue
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # a web address: not a file of the repository
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            checked += 1
            if not resolved.is_relative_to(REPO) or not resolved.exists():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
            elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
                broken.append(f"{page.relative_to(REPO)} -> {target} (no such anchor)")
    assert checked > 100
    assert broken == []


def test_the_check_sees_a_link_that_leaves_the_repository(tmp_path: Path) -> None:
    """The link check itself fails on what it is meant to catch."""
    page = tmp_path / "page.md"
    page.write_text("See [the spec](../../../shared/spec/DOMAIN.md).\n", encoding="utf-8")
    target = LINK.findall(page.read_text(encoding="utf-8"))[0]
    assert not (page.parent / target).resolve().is_relative_to(REPO)
    assert any(name in page.read_text(encoding="utf-8") for name in OUTSIDE)


@pytest.mark.parametrize(("message", "rule", "cited"), [
    ("spend would pass the approved cost (R14)", "R14", "spend would pass the approved cost (rule R14)"),
    ("R26 only a budget holder of CFS may do this (R26)", "R26",
     "only a budget holder of CFS may do this (rule R26)"),
    ("vary it first (R12) (rule R14)", "R14", "vary it first (R12) (rule R14)"),
    ("the line is not JSON", None, "the line is not JSON"),
    ("cost below spend.", "R14", "cost below spend (rule R14)."),
])
def test_a_message_cites_its_rule_once(message: str, rule: str | None, cited: str) -> None:
    assert cite_once(message, rule) == cited
    assert LedgerError(message, rule=rule).message == cited
    assert cite_once(cited, rule) == cited


def test_every_rejected_line_of_the_scenario_cites_its_rule_once(tmp_path: Path) -> None:
    out = io.StringIO()
    scenario = REPO / "tests" / "scenarios" / "data" / "family_recovery_pool.jsonl"
    with redirect_stdout(out):
        main(["apply", str(scenario), "--db", f"sqlite:///{tmp_path / 'l.db'}", "--use-command-time"])
    errors = [json.loads(line)["error"] for line in out.getvalue().splitlines()
              if not json.loads(line)["ok"]]
    assert len(errors) >= 10
    for error in errors:
        if error["rule"] is None:
            assert "(rule " not in error["message"], error
            continue
        assert re.findall(r"(?<![0-9A-Za-z])R[0-9]+(?![0-9])", error["message"]).count(
            error["rule"]) == 1, error
        assert error["message"].rstrip(".").endswith(f"(rule {error['rule']})"), error
