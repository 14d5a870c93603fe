"""Reports boards and auditors read, as typed functions returning pydantic models.

Each is computed from the read models: live (caught up first) or, with `as_at`, as the ledger
stood at that recording time (R22). The models, and pydantic's machinery for building them,
load when a report is first built as one; `shares_data` gives the shares report as plain data,
which the command line prints as JSON without them (decision 0041).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from ..lazy import lazy_names
from ..projections import pool_figures_as_at, read_models_as_at
from .approvals import approvals_report
from .cost_shift import READS as COST_SHIFT_READS
from .cost_shift import cost_shift_report
from .delegation import pool_as_at, sign_offs_report, signatories_report
from .duplicates import possible_duplicates_report
from .outcomes import outcomes_report
from .risk_share import risk_share_as_at, risk_share_report
from .shares import READS as SHARES_READS
from .shares import figures_data, figures_of, shares_report
from .shares import shares_data as _shares_data

if TYPE_CHECKING:
    from ..application import LedgerApplication
    from .models import (
        ApprovalsReport,
        CostShiftReport,
        OutcomesReport,
        PossibleDuplicatesReport,
        RiskShareReport,
        SharesReport,
        SignatoriesReport,
        SignOffsReport,
    )

__all__ = ["ApprovalsReport", "CostShiftReport", "OutcomesReport", "PossibleDuplicatesReport",
           "RiskShareReport", "SharesReport", "SignOffsReport", "SignatoriesReport", "approvals",
           "cost_shift", "outcomes", "possible_duplicates", "risk_share", "shares", "shares_data",
           "sign_offs", "signatories"]

# The models (and pydantic's own modules) load when a report is first built as a model, not
# when `shares_data` writes one as plain data for the command line (decision 0041).
__getattr__, __dir__ = lazy_names(__name__, dict.fromkeys(
    ["ApprovalsReport", "CostShiftReport", "OutcomesReport", "PossibleDuplicatesReport",
     "RiskShareReport", "SharesReport", "SignOffsReport", "SignatoriesReport"], ".models"),
    globals())


def _label(as_at: datetime | None) -> str | None:
    return None if as_at is None else as_at.isoformat()


def shares(ledger: LedgerApplication, pool: str, year: str,
           as_at: datetime | None = None) -> SharesReport:
    found = pool_figures_as_at(ledger, as_at, pool)
    if found is not None:  # from the checkpoints either side of `as_at` (decision 0048)
        from .models import SharesReport

        return SharesReport.model_validate(
            figures_data(figures_of(found, pool, year), pool, year, _label(as_at)))
    with read_models_as_at(ledger, as_at, pool, year, reads=SHARES_READS).transaction() as conn:
        return shares_report(conn, pool, year, _label(as_at))


def shares_data(ledger: LedgerApplication, pool: str, year: str,
                as_at: datetime | None = None) -> dict[str, Any]:
    """`shares` as plain JSON data (str, lists, dicts), the same fields in the same order,
    without building a model: `--format json` prints it."""
    found = pool_figures_as_at(ledger, as_at, pool)
    if found is not None:
        return figures_data(figures_of(found, pool, year), pool, year, _label(as_at))
    with read_models_as_at(ledger, as_at, pool, year, reads=SHARES_READS).transaction() as conn:
        return _shares_data(conn, pool, year, _label(as_at))


def cost_shift(ledger: LedgerApplication, pool: str, year: str,
               as_at: datetime | None = None) -> CostShiftReport:
    with read_models_as_at(ledger, as_at, pool, year,
                           reads=COST_SHIFT_READS).transaction() as conn:
        return cost_shift_report(conn, pool, year, _label(as_at))


def risk_share(ledger: LedgerApplication, pool: str, year: str,
               as_at: datetime | None = None) -> RiskShareReport:
    found = pool_figures_as_at(ledger, as_at, pool)
    if found is not None:  # from the checkpoints either side of `as_at` (decision 0048)
        return risk_share_as_at(found, pool, year)
    with read_models_as_at(ledger, as_at, pool, year, reads=SHARES_READS).transaction() as conn:
        return risk_share_report(conn, pool, year)


def outcomes(ledger: LedgerApplication, pool: str, year: str,
             as_at: datetime | None = None) -> OutcomesReport:
    """R35: outcome elements of the year's approved decisions and who paid for whose outcomes;
    what the board pack's outcomes section shows."""
    with read_models_as_at(ledger, as_at, pool, year, text=True).transaction() as conn:
        return outcomes_report(conn, pool, year, _label(as_at))


def approvals(ledger: LedgerApplication, pool: str, as_of: date | None = None) -> ApprovalsReport:
    """Pending approvals as the ledger stood at the end of `as_of` (UTC; default today)."""
    as_of = as_of or datetime.now(UTC).date()
    end_of_day = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    with read_models_as_at(ledger, end_of_day - timedelta(microseconds=1),
                           pool).transaction() as conn:
        return approvals_report(conn, pool, as_of)


def possible_duplicates(ledger: LedgerApplication, pool: str,
                        year: str | None = None) -> PossibleDuplicatesReport:
    """Spends not reversed with the same supplier, amount and service date under different
    references (of one financial year, or all): for the finance team to check by hand."""
    with read_models_as_at(ledger, None, pool, year, text=True).transaction() as conn:
        return possible_duplicates_report(conn, pool, year)


def signatories(ledger: LedgerApplication, pool: str,
                as_at: datetime | None = None) -> SignatoriesReport:
    """The pool's active signatory register as at `as_at` (R27); unverified without one."""
    return signatories_report(ledger, pool, as_at)


def sign_offs(ledger: LedgerApplication, pool: str, year: str,
              as_at: datetime | None = None) -> SignOffsReport:
    """Every approval, first signature and decline of the year's decisions (R29, R30)."""
    verified = pool_as_at(ledger, pool, as_at).register is not None
    with read_models_as_at(ledger, as_at, pool, year).transaction() as conn:
        return sign_offs_report(conn, pool, year, _label(as_at), verified)
