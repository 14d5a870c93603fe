"""The read-model tables, in SQLAlchemy 2, that boards and BI tools query.

Amounts are stored as whole pence in BIGINT columns named `*_pence`, so sums in SQL are exact on
every backend (SQLite has no exact decimal type). Nothing here is a source of truth: every row
is derived from events and can be rebuilt (`pooledbudget projections rebuild`).

Reports read one pool's year, so the row-heavy tables are indexed on (pool_id, year): one fund's
figures cost the same in a database of one fund or of a national programme's 150. (Databases
made before these indexes keep a year-only index until their read models are rebuilt.)
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()
MONEY = BigInteger  # pence

tracking = Table(
    "pb_tracking", metadata,
    Column("application_name", String(64), primary_key=True),
    Column("notification_id", Integer, nullable=False),
)

pools = Table(
    "pb_pools", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("aggregate_id", String(36), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("host", String(12), nullable=False),
    Column("first_year", String(7), nullable=False),
    Column("partners", JSON, nullable=False),  # [{"code", "name", "from_year"}] agreement order
    Column("risk_share", JSON, nullable=False),
)

contributions = Table(
    "pb_contributions", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("year", String(7), primary_key=True),
    Column("partner", String(12), primary_key=True),
    Column("agreed_pence", MONEY, nullable=False),
    Column("received_pence", MONEY, nullable=False),
)

closed_years = Table(
    "pb_closed_years", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("year", String(7), primary_key=True),
    Column("closed_at", DateTime(timezone=True), nullable=False),
)

decisions = Table(
    "pb_decisions", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("decision_id", String(64), primary_key=True),
    Column("year", String(7), nullable=False),
    Column("category", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("cost_pence", MONEY, nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("ended", Boolean, nullable=False),
)

commitments = Table(
    "pb_commitments", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("decision_id", String(64), primary_key=True),
    Column("partner", String(12), primary_key=True),
    Column("year", String(7), nullable=False),
    Column("amount_pence", MONEY, nullable=False),
)

approvals_pending = Table(
    "pb_approvals_pending", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("decision_id", String(64), primary_key=True),
    Column("variation_id", String(64), nullable=True),
    Column("year", String(7), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("waiting_on", JSON, nullable=False),
    Column("first_signature", JSON, nullable=True),  # partners with one of two signatures (R30)
)

spends = Table(
    "pb_spends", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("invoice_ref", String(64), primary_key=True),
    Column("decision_id", String(64), nullable=False),
    Column("year", String(7), nullable=False),
    Column("amount_pence", MONEY, nullable=False),
    Column("service_date", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("element", Text, nullable=True),
    Column("supplier", Text, nullable=True),
    Column("sequence", Integer, nullable=False),
    Column("reversed", Boolean, nullable=False, default=False),
    Column("reversal_reason", Text, nullable=True),
    Column("supplier_is_individual", Boolean, nullable=False, default=False),  # R9: redacted
    Index("ix_pb_spends_pool_year", "pool_id", "year"),
    Index("ix_pb_spends_pool_sequence", "pool_id", "sequence"),  # a checkpoint's new spends
)

spend_allocations = Table(  # per spend, each partner funding or responsible for part of it
    "pb_spend_allocations", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("invoice_ref", String(64), primary_key=True),
    Column("partner", String(12), primary_key=True),
    Column("year", String(7), nullable=False),
    Column("funded_pence", MONEY, nullable=False),
    Column("responsible_pence", MONEY, nullable=False),
    Column("sequence", Integer, nullable=False),  # the spend's notification id
    # covering the sums of a pool-year by partner (shares, outcomes), which read no row, as
    # at any position too
    Index("ix_pb_spend_allocations_pool_year_sums", "pool_id", "year", "partner",
          "funded_pence", "responsible_pence", "sequence"),
)

partner_totals = Table(  # R16, R19, R11: each partner's running totals of a pool-year
    "pb_partner_totals", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("year", String(7), primary_key=True),
    Column("partner", String(12), primary_key=True),
    # the sums of the year's allocations less those of reversed spends, and of its open
    # commitments; no row while all three are nought (decision 0045)
    Column("funded_pence", MONEY, nullable=False),
    Column("responsible_pence", MONEY, nullable=False),
    Column("committed_pence", MONEY, nullable=False),
)

contribution_events = Table(  # pledges, variations (with reasons) and receipts, in order
    "pb_contribution_events", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("sequence", Integer, primary_key=True),  # notification id
    Column("year", String(7), nullable=False),
    Column("partner", String(12), nullable=False),
    Column("kind", String(12), nullable=False),  # pledged | varied | received
    Column("amount_pence", MONEY, nullable=False),  # the agreed total, or the receipt
    Column("previous_pence", MONEY, nullable=True),  # varied: the agreed total before
    Column("reason", Text, nullable=True),
    Column("reference", Text, nullable=True),
    Column("received_on", Date, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

forecast_movements = Table(  # how each event moved a decision's net spend and commitment
    "pb_forecast_movements", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("sequence", Integer, primary_key=True),
    Column("decision_id", String(64), primary_key=True),
    Column("year", String(7), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("spent_delta_pence", MONEY, nullable=False),
    Column("committed_delta_pence", MONEY, nullable=False),
    # how the event moved each partner's figures, in pence (decision 0048):
    # "CODE:funded:responsible:committed:contingent" for each partner it moved, by code, spaced
    Column("partners", Text, nullable=False),
    Index("ix_pb_forecast_movements_pool_year", "pool_id", "year"),
)

spend_reversals = Table(  # when each reversal was recorded (R16), for exports by period
    "pb_spend_reversals", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("invoice_ref", String(64), primary_key=True),
    Column("year", String(7), nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("sequence", Integer, nullable=False),
    Index("ix_pb_spend_reversals_pool_year", "pool_id", "year"),
)

contingent = Table(  # R34: outcome elements' remaining exposure, by decision and partner
    "pb_contingent", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("decision_id", String(64), primary_key=True),
    Column("partner", String(12), primary_key=True),
    Column("year", String(7), nullable=False),
    Column("amount_pence", MONEY, nullable=False),
    Index("ix_pb_contingent_pool_year", "pool_id", "year"),
)

decision_order = Table(  # the notification id at which each decision was proposed
    "pb_decision_order", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("decision_id", String(64), primary_key=True),
    Column("year", String(7), nullable=False),
    Column("sequence", Integer, nullable=False),
)

outcome_elements = Table(  # R35: each outcome element of an approved decision, as it stands
    "pb_outcome_elements", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("decision_id", String(64), primary_key=True),
    Column("element", Text, primary_key=True),
    Column("year", String(7), nullable=False),
    Column("position", Integer, nullable=False),  # the element's place in the decision
    Column("measure", Text, nullable=False),
    Column("price_pence", MONEY, nullable=False),
    Column("max_count", Integer, nullable=False),
    Column("count_paid", Integer, nullable=False),
    Column("paid_pence", MONEY, nullable=False),
    Column("remaining_pence", MONEY, nullable=False),
    Index("ix_pb_outcome_elements_pool_year", "pool_id", "year"),
)

outcome_payments = Table(  # R33: which spends are outcome payments, and on what evidence
    "pb_outcome_payments", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("invoice_ref", String(64), primary_key=True),
    Column("decision_id", String(64), nullable=False),
    Column("element", Text, nullable=False),
    Column("year", String(7), nullable=False),
    Column("evidence_ref", String(64), nullable=False),
    Column("count", Integer, nullable=False),
    Column("achieved_on", Date, nullable=False),
    Column("sequence", Integer, nullable=False),  # the spend's notification id
    Index("ix_pb_outcome_payments_pool_year", "pool_id", "year"),
)

sign_offs = Table(  # every approval, first signature and decline (R29, R30), for auditors
    "pb_sign_offs", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("sequence", Integer, primary_key=True),  # notification id
    Column("decision_id", String(64), nullable=False),
    Column("variation_id", String(64), nullable=True),
    Column("year", String(7), nullable=False),
    Column("partner", String(12), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # approved | first_signature | declined
    Column("amount_pence", MONEY, nullable=True),  # null: recorded before amounts were kept
    Column("limit_pence", MONEY, nullable=True),  # null: unlimited (or no register)
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_pb_sign_offs_pool_year", "pool_id", "year"),
)

checkpoints = Table(  # a pool's read-model rows as at every N-th of its events (decision 0030)
    "pb_checkpoints", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),  # notification id of the pool's N-th event
    Column("recorded_at", DateTime(timezone=True), nullable=False),  # that event's time
    Column("events", Integer, nullable=False),  # the pool's events up to it
    # the rows that change, whole; the rows added since the pool's last checkpoint; each as
    # compressed JSON, with the SHA-256 of the JSON
    Column("state_digest", String(64), nullable=False),
    Column("state", LargeBinary, nullable=False),
    Column("added_digest", String(64), nullable=False),
    Column("added", LargeBinary, nullable=False),
    # per added-row table and year: the count and sums of the pool's rows up to this position,
    # which an as-at checks the live rows against before reading them (decision 0035)
    Column("tallies", Text, nullable=False),
    # what the shares and risk-share reports read of the pool, as JSON, with its SHA-256: the
    # pool's row, its closed years, contributions, running totals and contingent sums, which an
    # as-at moves by the recorded movements after it instead of replaying events (0048)
    Column("figures_digest", String(64), nullable=False),
    Column("figures", Text, nullable=False),
    # an as-at finds the pool's first checkpoint recorded after T (0048) without a scan
    Index("ix_pb_checkpoints_pool_time", "pool_id", "recorded_at"),
)

checkpoint_counts = Table(  # how many of each pool's events the read models have applied
    "pb_checkpoint_counts", metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("events", Integer, nullable=False),
)

read_model_version = Table(  # which shape of these tables the database holds
    "pb_read_model_version", metadata,
    Column("version", Integer, primary_key=True),
)
READ_MODEL_VERSION = 11  # 5: pb_checkpoints, pb_checkpoint_counts; 6: their tallies;
# 7: allocations' pool-year index covers their sums; 8: allocations and outcome payments carry
# their spend's sequence; 9: pb_partner_spend; 10: pb_partner_totals in its place (with the
# open commitments); 11: movements by partner, checkpoints' figures
"""Raised whenever a table above gains or changes a column or an index: a database whose read models have
another version has them dropped and rebuilt from the log when it is opened (they are derived)."""

READ_MODEL_TABLES = [pools, contributions, closed_years, decisions, commitments,
                     approvals_pending, spends, spend_allocations, partner_totals,
                     contribution_events,
                     forecast_movements, spend_reversals, sign_offs, contingent, decision_order,
                     outcome_elements, outcome_payments]
CHECKPOINT_TABLES = [checkpoints, checkpoint_counts]
"""Derived like the read models (dropped, rebuilt and verified with them), read by as-at only."""
PROJECTED_TABLES = [*READ_MODEL_TABLES, *CHECKPOINT_TABLES, tracking]
"""Every table applying events writes: what a rebuild empties and an as-at's TEMP tables shadow."""
ROW_HEAVY_TABLES = [decisions, commitments, spends, spend_allocations, contribution_events,
                    forecast_movements, spend_reversals, sign_offs, contingent, decision_order,
                    outcome_elements, outcome_payments]  # rows per decision, spend or event
