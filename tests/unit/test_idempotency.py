"""Idempotency R25: a command_id applies a command once; the same id with other content is rejected."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pooledbudget.application import LedgerApplication

from .helpers import (
    POOL,
    YEAR,
    approve_cmd,
    approved_decision,
    auditor,
    close_cmd,
    decision,
    pledge_cmd,
    propose_cmd,
    receive_cmd,
    reject,
    run,
    setup_pool,
    spend_cmd,
    total,
    vary_cmd,
    written,
)
from .support import figure, with_id


def test_r25_repeat_with_same_content_is_a_duplicate_and_writes_nothing(
    ledger: LedgerApplication,
) -> None:
    """R25: the same id and content changes nothing and returns the first result."""
    setup_pool(ledger, pledges={})
    first = run(ledger, with_id(pledge_cmd("ASC", "1000.00"), "cmd-1"))
    assert (first.events, first.duplicate) == (["ContributionPledged"], False)
    before = written(ledger)
    again = run(ledger, with_id(pledge_cmd("ASC", "1000.00"), "cmd-1"))
    assert again.duplicate is True
    assert again.events == first.events
    assert again.command == "PledgeContribution"
    assert written(ledger) == before
    assert ledger.pool(POOL).agreed_amount("ASC", YEAR) == Decimal("1000.00")


def test_r25_duplicate_of_a_multi_event_command_returns_its_events(ledger: LedgerApplication) -> None:
    """R25: the duplicate reports the first result's events (here the approving approval)."""
    setup_pool(ledger)
    run(ledger, propose_cmd())
    run(ledger, approve_cmd("D1", "ASC"))
    first = run(ledger, with_id(approve_cmd("D1", "CFS"), "appr-cfs"))
    assert first.events == ["DecisionShareApproved", "DecisionApproved"]
    before = written(ledger)
    again = run(ledger, with_id(approve_cmd("D1", "CFS"), "appr-cfs"))
    assert (again.duplicate, again.events) == (True, first.events)
    assert written(ledger) == before


def test_r25_repeated_spend_is_not_charged_twice(ledger: LedgerApplication) -> None:
    """R25: re-sending a spend with its command_id does not double the spend (nor trip R13)."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"))
    run(ledger, with_id(spend_cmd("D1", "INV-1", "100.00"), "spend-1"))
    again = run(ledger, with_id(spend_cmd("D1", "INV-1", "100.00"), "spend-1"))
    assert again.duplicate is True
    assert figure(ledger, "spent") == {"ASC": Decimal("50.00"), "CFS": Decimal("50.00")}
    assert list(decision(ledger).spends) == ["INV-1"]


def test_r25_decimals_compared_by_value(ledger: LedgerApplication) -> None:
    """R25: "1000.0" and "1000.00" (and "50" / "50.0" percentages) are the same content."""
    setup_pool(ledger, pledges={})
    run(ledger, with_id(pledge_cmd("ASC", "1000.00"), "cmd-1"))
    assert run(ledger, with_id(pledge_cmd("ASC", "1000.0"), "cmd-1")).duplicate is True
    run(ledger, with_id(propose_cmd(funding={"ASC": "50", "CFS": "50"}), "prop-1"))
    assert run(ledger, with_id(propose_cmd(funding={"ASC": "50.0", "CFS": "50.00"}),
                               "prop-1")).duplicate is True


def test_r25_at_is_not_part_of_the_content(ledger: LedgerApplication) -> None:
    """R25: a repeat differing only in `at` is a duplicate, even when `at` went backwards
    (R25 is judged before the recording-time check)."""
    setup_pool(ledger, pledges={})
    run(ledger, with_id(pledge_cmd("ASC", "1000.00"), "cmd-1") | {"at": "2026-04-01T09:00:30"},
        use_command_time=True)
    before = written(ledger)
    again = run(ledger, with_id(pledge_cmd("ASC", "1000.00"), "cmd-1") | {"at": "2020-01-01T00:00:00"},
                use_command_time=True)
    assert again.duplicate is True
    assert written(ledger) == before


def test_r25_same_id_with_different_content_is_rejected(ledger: LedgerApplication) -> None:
    """R25: the same id with different content is rejected (code command_id_conflict), nothing written."""
    setup_pool(ledger, pledges={})
    run(ledger, with_id(pledge_cmd("ASC", "1000.00"), "cmd-1"))
    reject(ledger, with_id(pledge_cmd("ASC", "1000.01"), "cmd-1"), rule="R25",
           code="command_id_conflict", field="command_id")
    reject(ledger, with_id(pledge_cmd("CFS", "1000.00"), "cmd-1"), rule="R25")
    reject(ledger, with_id(receive_cmd("ASC", "1.00"), "cmd-1"), rule="R25")
    assert ledger.pool(POOL).agreed_amount("ASC", YEAR) == Decimal("1000.00")
    assert ledger.pool(POOL).agreed_amount("CFS", YEAR) is None


def test_r25_actor_is_part_of_the_content(ledger: LedgerApplication) -> None:
    """R25: content includes the actor: another actor id with the same id is a conflict."""
    setup_pool(ledger, pledges={})
    run(ledger, with_id(pledge_cmd("ASC", "1000.00"), "cmd-1"))
    other = {"id": "bh-asc-2", "partner": "ASC", "role": "budget_holder"}
    reject(ledger, with_id(pledge_cmd("ASC", "1000.00", actor=other), "cmd-1"), rule="R25")


def test_r25_is_checked_before_authority(ledger: LedgerApplication) -> None:
    """R25 before R26: a reused id with different content from an auditor is an R25 rejection."""
    setup_pool(ledger, pledges={})
    run(ledger, with_id(pledge_cmd("ASC", "1000.00"), "cmd-1"))
    reject(ledger, with_id(pledge_cmd("ASC", "1000.00", actor=auditor()), "cmd-1"), rule="R25")


def test_r25_is_checked_before_the_closed_year(ledger: LedgerApplication) -> None:
    """R25 before R17: repeating a spend after its year closed is still just a duplicate."""
    setup_pool(ledger)
    approved_decision(ledger)
    first = run(ledger, with_id(spend_cmd("D1", "INV-1", "10.00"), "spend-1"))
    run(ledger, close_cmd())
    again = run(ledger, with_id(spend_cmd("D1", "INV-1", "10.00"), "spend-1"))
    assert (again.duplicate, again.events) == (True, first.events)
    reject(ledger, with_id(spend_cmd("D1", "INV-2", "10.00"), "spend-1"), rule="R25")


def test_r25_failed_command_is_not_remembered(ledger: LedgerApplication) -> None:
    """R25: a command that failed wrote nothing and may be sent again with the same id."""
    setup_pool(ledger, pledges={"ASC": "100.00"})
    reject(ledger, with_id(receive_cmd("ASC", "150.00"), "rcpt-1"), rule="R7")
    run(ledger, vary_cmd("ASC", "150.00"))
    result = run(ledger, with_id(receive_cmd("ASC", "150.00"), "rcpt-1"))
    assert (result.duplicate, result.events) == (False, ["ContributionReceived"])
    assert ledger.pool(POOL).received_amount("ASC", YEAR) == Decimal("150.00")


def test_r25_failed_command_id_can_be_reused_for_other_content(ledger: LedgerApplication) -> None:
    """R25: only a command that succeeded is remembered, so a failed id is free for any content."""
    setup_pool(ledger, pledges={"ASC": "100.00"})
    reject(ledger, with_id(receive_cmd("ASC", "150.00"), "rcpt-1"), rule="R7")
    result = run(ledger, with_id(receive_cmd("ASC", "50.00"), "rcpt-1"))
    assert result.duplicate is False


def test_r25_without_command_id_repeats_are_new_commands(ledger: LedgerApplication) -> None:
    """R25: commands without a command_id are not deduplicated (the second receipt is recorded)."""
    setup_pool(ledger, pledges={"ASC": "100.00"})
    run(ledger, receive_cmd("ASC", "10.00", reference="R1"))
    result = run(ledger, receive_cmd("ASC", "10.00", reference="R1"))
    assert result.duplicate is False
    assert ledger.pool(POOL).received_amount("ASC", YEAR) == Decimal("20.00")


def test_content_digests_are_the_bytes_receipts_already_keep() -> None:
    """Stored receipts hold digests made by `json.dumps(data, sort_keys=True, default=...)`: a
    resend of any command of the worked year must still digest to exactly that."""
    import hashlib
    import json
    from pathlib import Path

    from pooledbudget import LedgerError
    from pooledbudget.commands import _canonical, parse_json_line

    feed = Path(__file__).parents[1] / "scenarios" / "data" / "family_recovery_pool.jsonl"
    checked = 0
    for line in feed.read_text(encoding="utf-8").splitlines():
        try:
            command = parse_json_line(line)
        except LedgerError:  # the year's deliberately malformed lines
            continue
        data = command.model_dump(mode="python", exclude={"at"})
        reference = hashlib.sha256(
            json.dumps(data, sort_keys=True, default=_canonical).encode()).hexdigest()
        assert command.content_digest() == reference, line
        checked += 1
    assert checked > 50


# Digests of every well-formed command of each scenario feed, hashed in order, as recorded
# before amounts became `Money` (issue 19): the receipts' bytes may never change.
PINNED_FEED_DIGESTS = {
    "family_recovery_pool.jsonl": (82, "7661e6ef2f1c112ce3bc627648d82b20c71024679f8fce0b38f6426e86071239"),
    "outcomes_pool.jsonl": (33, "4532a4f00736e7fcd323aeaa40bc98bfd12f3c81cf04f88ec115d1bc931f4054"),
    "signatory_pool.jsonl": (41, "a5f5439ba547e98ca849132b2d3f8b6696c2b2b34a4472fe8e0ebab3f5e46565"),
}


@pytest.mark.parametrize("feed", sorted(PINNED_FEED_DIGESTS))
def test_content_digests_match_those_recorded_before_money_became_a_type(feed: str) -> None:
    """A change in how a command dumps its amounts (a `Money` instead of a two-place Decimal)
    would change every receipt's digest; these were recorded from the code before it."""
    import hashlib
    from pathlib import Path

    from pooledbudget import LedgerError
    from pooledbudget.commands import parse_json_line

    lines = (Path(__file__).parents[1] / "scenarios" / "data" / feed).read_text(
        encoding="utf-8").splitlines()
    digest, count = hashlib.sha256(), 0
    for line in lines:
        try:
            command = parse_json_line(line)
        except LedgerError:
            continue
        digest.update(command.content_digest().encode())
        count += 1
    assert (count, digest.hexdigest()) == PINNED_FEED_DIGESTS[feed]
