"""Commands as pydantic v2 models: the one input boundary for the Python API, JSON Lines and CLI.

Field formats follow docs/reference/wire-format.md. A format failure becomes an
`InvalidCommandError` naming the field; amounts fail under R1/R2, percentages and splits under
R3, case references under R9, and personal data in any field (text, names, identifiers) under R9
with code `personal_data`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import InvalidCommandError
from .money import AMOUNT_PATTERN, HUNDRED, MAX_AMOUNT, PERCENT_PATTERN
from .personal_data import find_personal_data, find_personal_data_in_identifier

IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
PARTNER_CODE = re.compile(r"[A-Z0-9]{2,12}")
CASE_REF = re.compile(r"[A-Z0-9-]{4,32}")
YEAR = re.compile(r"([0-9]{4})-([0-9]{2})")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DUPLICATE_KEYS = "__duplicate_keys__"

# Error types raised by validators, and the rule each one names (docs/reference/rules.md).
RULE_OF_ERROR = {
    "amount_format": "R1",
    "amount_not_positive": "R2",
    "percent_format": "R3",
    "split_invalid": "R3",
    "case_ref_invalid": "R9",
    "personal_data": "R9",
}
# Error types with a code of their own (the rest are `invalid_command`).
CODE_OF_ERROR = {"personal_data": "personal_data"}


def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _amount(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, str):
        text = value
    else:
        raise _fail("amount_format", "an amount must be a string like \"2450.00\" (R1)")
    if not AMOUNT_PATTERN.fullmatch(text):
        raise _fail("amount_format", f"{text!r} is not an amount with at most 2 decimal places (R1)")
    amount = Decimal(text)
    if abs(amount) > MAX_AMOUNT:
        raise _fail("amount_format", "an amount may not exceed £1,000,000,000 (R1)")
    if amount <= 0:
        raise _fail("amount_not_positive", "an amount must be strictly positive (R2)")
    return amount.quantize(Decimal("0.01"))


def _percent(value: Any) -> Decimal:
    text = format(value, "f") if isinstance(value, Decimal) else value
    if not isinstance(text, str) or not PERCENT_PATTERN.fullmatch(text):
        raise _fail("percent_format", "a percentage is a string with at most 4 decimal places (R3)")
    pct = Decimal(text)
    if pct > HUNDRED:
        raise _fail("percent_format", "a percentage cannot exceed 100 (R3)")
    return pct


def _partner_code(value: Any) -> str:
    if not isinstance(value, str) or not PARTNER_CODE.fullmatch(value):
        raise _fail("partner_code", "a partner code is 2-12 upper-case letters or digits")
    _refuse_personal(find_personal_data_in_identifier(value))
    return value


_FOUR_DIGITS = re.compile(r"(?:\d\D*){4}")


def _recorded_on(info: ValidationInfo | None, value: str) -> date | None:
    """The command's `at`, when given and already checked (it precedes the other fields); the
    16 years after which a full date counts as a date of birth run back from it (R9). Only
    looked up for a value with a date's four digits (the look-up is not free; none: today)."""
    if info is None or not _FOUR_DIGITS.search(value):
        return None
    data = info.data
    at = data.get("at") if isinstance(data, dict) else None
    return at.date() if isinstance(at, datetime) else None


def _refuse_personal(found: str | None) -> None:
    if found is not None:
        raise _fail("personal_data", f"this looks like it holds {found}; no field may carry "
                    "personal data (R9): name a person by the case reference, a private supplier "
                    "by a description with supplier_is_individual")


def _split(value: Any) -> dict[str, Decimal]:
    if not isinstance(value, dict) or not value:
        raise _fail("split_invalid", "a split is an object of partner code to percentage (R3)")
    if DUPLICATE_KEYS in value:
        raise _fail("split_invalid", f"a split names {value[DUPLICATE_KEYS]} more than once (R3)")
    split: dict[str, Decimal] = {}
    for code, pct in value.items():
        try:
            split[_partner_code(code)] = _percent(pct)
        except PydanticCustomError as error:
            raise _fail("split_invalid", f"{code}: {error.message()}") from None
    total = sum(split.values(), Decimal(0))
    if total != HUNDRED:
        raise _fail("split_invalid", f"split percentages sum to {total}, not exactly 100 (R3)")
    return split


def _identifier(value: Any, info: ValidationInfo | None) -> str:
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise _fail("identifier", "an identifier is 1-64 of A-Z a-z 0-9 . _ / - starting alphanumeric")
    _refuse_personal(find_personal_data_in_identifier(value, _recorded_on(info, value)))
    return value


def _text(value: Any, info: ValidationInfo | None) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 500 or not value.isprintable():
        raise _fail("text", "text is 1-500 printable characters")
    _refuse_personal(find_personal_data(value, _recorded_on(info, value)))
    return value


def _case_ref(value: Any, info: ValidationInfo | None) -> str:
    if not isinstance(value, str) or not CASE_REF.fullmatch(value):
        raise _fail(
            "case_ref_invalid",
            "a case reference is pseudonymous: 4-32 of A-Z 0-9 - (no names or dates of birth) (R9)",
        )
    _refuse_personal(find_personal_data_in_identifier(value, _recorded_on(info, value)))
    return value


def _year(value: Any) -> str:
    match = YEAR.fullmatch(value) if isinstance(value, str) else None
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise _fail("year", "a financial year is written YYYY-YY, e.g. 2026-27")
    return str(value)


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise _fail("date", "a date is written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail("date", f"{value!r} is not a calendar date") from None


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and "T" in value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _fail("timestamp", "`at` is an ISO-8601 time like 2026-04-01T09:00:00") from None
    else:
        raise _fail("timestamp", "`at` is an ISO-8601 time like 2026-04-01T09:00:00")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _weeks(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise _fail("weeks", "weeks is a whole number >= 1")
    return value


def _count(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise _fail("count", "a count of outcomes is a whole number >= 1")
    return value


Amount = Annotated[Decimal, BeforeValidator(_amount)]
Percent = Annotated[Decimal, BeforeValidator(_percent)]
PartnerCode = Annotated[str, BeforeValidator(_partner_code)]
SplitField = Annotated[dict[str, Decimal], BeforeValidator(_split)]
Identifier = Annotated[str, BeforeValidator(_identifier)]
Text = Annotated[str, BeforeValidator(_text)]
"""Names, suppliers, reasons, categories: 1-500 printable characters, no personal data (R9)."""
FreeText = Text
"""Reasons, categories and element names (every text field is checked alike since R9 covers
every field)."""
CaseRef = Annotated[str, BeforeValidator(_case_ref)]
Year = Annotated[str, BeforeValidator(_year)]
Day = Annotated[date, BeforeValidator(_date)]
Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
Weeks = Annotated[int, BeforeValidator(_weeks)]
Count = Annotated[int, BeforeValidator(_count)]
Role = Literal["pool_manager", "budget_holder", "auditor"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(Model):
    id: Identifier
    partner: PartnerCode
    role: Role


class PartnerRef(Model):
    code: PartnerCode
    name: Text


class RiskShareRule(Model):
    rule: Literal["proportional", "fixed", "capped"] = "proportional"
    percentages: SplitField | None = None
    caps: dict[PartnerCode, Amount] | None = None

    @model_validator(mode="after")
    def _terms_fit_rule(self) -> RiskShareRule:
        if self.rule == "fixed" and self.percentages is None:
            raise _fail("split_invalid", "a fixed risk share needs percentages (R3)")
        if self.rule != "fixed" and self.percentages is not None:
            raise ValueError("percentages are only for the fixed rule")
        if self.rule == "capped" and not self.caps:
            raise ValueError("a capped risk share needs caps")
        if self.rule != "capped" and self.caps is not None:
            raise ValueError("caps are only for the capped rule")
        return self


class Cost(Model):
    """Weekly rate x planned weeks, or a fixed total."""

    weekly: Amount | None = None
    weeks: Weeks | None = None
    total: Amount | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Cost:
        weekly_form = self.weekly is not None and self.weeks is not None
        if weekly_form == (self.total is not None) or (
            not weekly_form and (self.weekly is not None or self.weeks is not None)
        ):
            raise ValueError("cost is either {weekly, weeks} or {total}")
        if self.amount > MAX_AMOUNT:
            raise _fail("amount_format", "a cost may not exceed £1,000,000,000 (R1)")
        return self

    @property
    def amount(self) -> Decimal:
        if self.total is not None:
            return self.total
        assert self.weekly is not None and self.weeks is not None
        return self.weekly * self.weeks


class Outcome(Model):
    """What an outcome element pays for (R32): price per outcome, up to max_count of them."""

    measure: FreeText
    price: Amount
    max_count: Count

    @model_validator(mode="after")
    def _cost_in_range(self) -> Outcome:
        if self.price * self.max_count > MAX_AMOUNT:
            raise _fail("amount_format", "price x max_count may not exceed £1,000,000,000 (R1)")
        return self


class VariedOutcome(Model):
    """An outcome element in a variation: a new `max_count` (R32). Measure and price never
    change; they are given only to add a new outcome element (or repeat the current ones)."""

    max_count: Count
    measure: FreeText | None = None
    price: Amount | None = None

    @model_validator(mode="after")
    def _cost_in_range(self) -> VariedOutcome:
        if self.price is not None and self.price * self.max_count > MAX_AMOUNT:
            raise _fail("amount_format", "price x max_count may not exceed £1,000,000,000 (R1)")
        return self


def _absent_outcome_left_out(model: Element | VariedElement | ProposeDecision,
                             handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
    """A cost element (or a one-element decision's cost) dumps as it did before outcome
    elements existed, so the content digests that receipts keep (R25) do not change for
    commands sent before them."""
    data: dict[str, Any] = handler(model)
    if model.outcome is None:
        data.pop("outcome", None)
    return data


class Element(Model):
    """A cost element ({weekly, weeks} or {total}), or an outcome element (R32)."""

    name: FreeText
    cost: Cost | None = None
    outcome: Outcome | None = None
    funding: SplitField
    responsibility: SplitField | None = None

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _absent_outcome_left_out(self, handler)

    @model_validator(mode="after")
    def _cost_or_outcome(self) -> Element:
        if (self.cost is None) == (self.outcome is None):
            raise ValueError("an element has either a cost or an outcome")
        return self

    @property
    def amount(self) -> Decimal:
        """Its cost: the cost given, or price x max_count for an outcome element (R32)."""
        if self.outcome is not None:
            return self.outcome.price * self.outcome.max_count
        assert self.cost is not None
        return self.cost.amount


class VariedElement(Model):
    """An element in a variation's new list: by name alone it keeps its terms."""

    name: FreeText
    cost: Cost | None = None
    outcome: VariedOutcome | None = None
    funding: SplitField | None = None
    responsibility: SplitField | None = None

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _absent_outcome_left_out(self, handler)

    @model_validator(mode="after")
    def _not_both(self) -> VariedElement:
        if self.cost is not None and self.outcome is not None:
            raise ValueError("an element has either a cost or an outcome")
        return self


class Command(Model):
    actor: Actor
    command_id: Identifier | None = None
    at: Timestamp | None = None

    def content_digest(self) -> str:
        """SHA-256 of the command without `at`, decimals compared by value (R25). Receipts
        keep it, so these bytes never change: `json.dumps(data, sort_keys=True,
        default=_canonical)`, with the encoder that call would build made once."""
        data = self.model_dump(mode="python", exclude={"at"})
        return hashlib.sha256(_DIGEST_ENCODER.encode(data).encode()).hexdigest()

    @property
    def kind(self) -> str:
        """The command's name, e.g. `RecordSpend`."""
        return type(self).__name__


def _canonical(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


_DIGEST_ENCODER = json.JSONEncoder(sort_keys=True, default=_canonical)


class Signatory(Model):
    """An entry of a pool's signatory register (R27): who acts for which partner, in which
    role, and for a budget holder up to which amount (none: unlimited)."""

    id: Identifier
    partner: PartnerCode
    role: Role
    limit: Amount | None = None


class EstablishPool(Command):
    command: Literal["EstablishPool"] = "EstablishPool"
    pool_id: Identifier
    name: Text
    host: PartnerCode
    partners: list[PartnerRef]
    first_year: Year
    risk_share: RiskShareRule = Field(default_factory=RiskShareRule)
    signatories: list[Signatory] | None = None
    two_signatures_above: Amount | None = None

    @model_validator(mode="after")
    def _threshold_needs_register(self) -> EstablishPool:
        if self.two_signatures_above is not None and self.signatories is None:
            raise ValueError("two_signatures_above is set with a signatory register")
        return self


class JoinPool(Command):
    command: Literal["JoinPool"] = "JoinPool"
    pool_id: Identifier
    partner: PartnerRef
    from_year: Year
    signatories: list[Signatory] | None = None


class AdoptSignatoryRegister(Command):
    """Starts verifying authority against a register given whole (R27)."""

    command: Literal["AdoptSignatoryRegister"] = "AdoptSignatoryRegister"
    pool_id: Identifier
    signatories: list[Signatory]
    two_signatures_above: Amount | None = None


class RegisterSignatory(Command):
    command: Literal["RegisterSignatory"] = "RegisterSignatory"
    pool_id: Identifier
    signatory: Signatory


class RevokeSignatory(Command):
    command: Literal["RevokeSignatory"] = "RevokeSignatory"
    pool_id: Identifier
    signatory_id: Identifier
    reason: FreeText


class PledgeContribution(Command):
    command: Literal["PledgeContribution"] = "PledgeContribution"
    pool_id: Identifier
    partner: PartnerCode
    year: Year
    amount: Amount


class VaryContribution(Command):
    command: Literal["VaryContribution"] = "VaryContribution"
    pool_id: Identifier
    partner: PartnerCode
    year: Year
    amount: Amount
    reason: FreeText


class ReceiveContribution(Command):
    command: Literal["ReceiveContribution"] = "ReceiveContribution"
    pool_id: Identifier
    partner: PartnerCode
    year: Year
    amount: Amount
    received_on: Day
    reference: Identifier


class ProposeDecision(Command):
    command: Literal["ProposeDecision"] = "ProposeDecision"
    pool_id: Identifier
    decision_id: Identifier
    year: Year
    case_ref: CaseRef
    category: FreeText
    start: Day
    planned_end: Day
    elements: list[Element] | None = None
    cost: Cost | None = None
    outcome: Outcome | None = None  # the one-element form of an outcome element (R32)
    funding: SplitField | None = None
    responsibility: SplitField | None = None

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _absent_outcome_left_out(self, handler)

    @model_validator(mode="after")
    def _one_form(self) -> ProposeDecision:
        one_element = any(x is not None for x in (self.cost, self.outcome, self.funding))
        if self.elements is not None:
            if one_element or self.responsibility is not None:
                raise ValueError("give either elements or cost/funding, not both")
            if not self.elements:
                raise ValueError("a decision needs at least one element")
            names = [e.name for e in self.elements]
            if len(set(names)) != len(names):
                raise ValueError("element names must be unique")
        elif (self.cost is None) == (self.outcome is None) or self.funding is None:
            raise ValueError("a decision needs elements, or cost (or outcome) and funding")
        return self

    def element_list(self) -> list[Element]:
        if self.elements is not None:
            return list(self.elements)
        assert self.funding is not None
        return [Element(name="main", cost=self.cost, outcome=self.outcome, funding=self.funding,
                        responsibility=self.responsibility)]


class ApproveDecision(Command):
    command: Literal["ApproveDecision"] = "ApproveDecision"
    pool_id: Identifier
    decision_id: Identifier
    partner: PartnerCode


class DeclineDecision(Command):
    command: Literal["DeclineDecision"] = "DeclineDecision"
    pool_id: Identifier
    decision_id: Identifier
    partner: PartnerCode
    reason: FreeText


class ProposeVariation(Command):
    command: Literal["ProposeVariation"] = "ProposeVariation"
    pool_id: Identifier
    decision_id: Identifier
    variation_id: Identifier
    reason: FreeText
    effective_from: Day | None = None
    planned_end: Day | None = None
    elements: list[VariedElement] | None = None
    cost: Cost | None = None
    funding: SplitField | None = None
    responsibility: SplitField | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ProposeVariation:
        top_level = any(x is not None for x in (self.cost, self.funding, self.responsibility))
        if self.elements is not None and top_level:
            raise ValueError("give either elements or top-level cost/funding/responsibility")
        if self.elements is not None:
            names = [e.name for e in self.elements]
            if not names or len(set(names)) != len(names):
                raise ValueError("a variation's elements are a non-empty list of unique names")
        if self.elements is None and not top_level and self.planned_end is None:
            raise ValueError("a variation changes planned_end, elements, cost, funding or responsibility")
        return self


class ApproveVariation(Command):
    command: Literal["ApproveVariation"] = "ApproveVariation"
    pool_id: Identifier
    decision_id: Identifier
    variation_id: Identifier
    partner: PartnerCode


class DeclineVariation(Command):
    command: Literal["DeclineVariation"] = "DeclineVariation"
    pool_id: Identifier
    decision_id: Identifier
    variation_id: Identifier
    partner: PartnerCode
    reason: FreeText


class EndDecision(Command):
    command: Literal["EndDecision"] = "EndDecision"
    pool_id: Identifier
    decision_id: Identifier
    ended_on: Day
    reason: FreeText


class RecordSpend(Command):
    command: Literal["RecordSpend"] = "RecordSpend"
    pool_id: Identifier
    decision_id: Identifier
    invoice_ref: Identifier
    amount: Amount
    service_date: Day
    element: Text | None = None
    supplier: Text | None = None
    supplier_is_individual: StrictBool = False  # a private individual: redacted when published


class RecordOutcome(Command):
    """Pays `count` outcomes of an outcome element at its price, on evidence (R33)."""

    command: Literal["RecordOutcome"] = "RecordOutcome"
    pool_id: Identifier
    decision_id: Identifier
    element: Text
    invoice_ref: Identifier
    evidence_ref: Identifier
    achieved_on: Day
    count: Count = 1
    supplier: Text | None = None
    supplier_is_individual: StrictBool = False


class ReverseSpend(Command):
    command: Literal["ReverseSpend"] = "ReverseSpend"
    pool_id: Identifier
    invoice_ref: Identifier
    reason: FreeText


class CloseYear(Command):
    command: Literal["CloseYear"] = "CloseYear"
    pool_id: Identifier
    year: Year


class SealPool(Command):
    """Records the chain heads of every aggregate of the pool (R24); CloseYear also seals."""

    command: Literal["SealPool"] = "SealPool"
    pool_id: Identifier
    reason: FreeText


AnyCommand = Annotated[
    EstablishPool | JoinPool | PledgeContribution | VaryContribution | ReceiveContribution
    | ProposeDecision | ApproveDecision | DeclineDecision | ProposeVariation | ApproveVariation
    | DeclineVariation | EndDecision | RecordSpend | RecordOutcome | ReverseSpend | CloseYear
    | SealPool | AdoptSignatoryRegister | RegisterSignatory | RevokeSignatory,
    Field(discriminator="command"),
]
COMMANDS: dict[str, type[Command]] = {
    cls.__name__: cls
    for cls in (
        EstablishPool, JoinPool, PledgeContribution, VaryContribution, ReceiveContribution,
        ProposeDecision, ApproveDecision, DeclineDecision, ProposeVariation, ApproveVariation,
        DeclineVariation, EndDecision, RecordSpend, RecordOutcome, ReverseSpend, CloseYear,
        SealPool, AdoptSignatoryRegister, RegisterSignatory, RevokeSignatory,
    )
}
_ADAPTER: TypeAdapter[Command] = TypeAdapter(AnyCommand)


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    duplicates = []
    for key, value in pairs:
        if key in result:
            duplicates.append(key)
        result[key] = value
    if duplicates:
        result[DUPLICATE_KEYS] = duplicates
    return result


def parse_json_line(line: str) -> Command:
    """Parses one JSON-Lines command; raises `InvalidCommandError` naming field and rule."""
    try:
        data = json.loads(line, object_pairs_hook=_pairs_hook)
    except ValueError as error:
        raise InvalidCommandError(f"the line is not valid JSON: {error}") from None
    return parse_command(data)


def parse_command(data: Any) -> Command:
    if not isinstance(data, dict):
        raise InvalidCommandError("a command line must be a JSON object")
    name = data.get("command")
    if not isinstance(name, str) or name not in COMMANDS:
        raise InvalidCommandError(
            f"unknown command {name!r}; expected one of {', '.join(COMMANDS)}", field="command"
        )
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        raise invalid_command_from(error) from None


def invalid_command_from(error: ValidationError) -> InvalidCommandError:
    """The first validation failure as our typed error, keeping rule-bearing ones first."""
    errors = error.errors()
    ruled = [e for e in errors if e["type"] in RULE_OF_ERROR]
    first = (ruled or errors)[0]
    loc = [str(p) for p in first["loc"]]
    if loc and loc[0] in COMMANDS:
        loc = loc[1:]
    loc = [p for p in loc if not p.startswith("function-")]
    field = ".".join(loc) or None
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = f"unexpected field {field!r}"
        if field and field.endswith(DUPLICATE_KEYS):
            message = "an object names the same key twice"
    elif first["type"] == "missing":
        message = f"missing field {field!r}"
    return InvalidCommandError(
        f"{field}: {message}" if field else message, field=field,
        rule=RULE_OF_ERROR.get(first["type"]), code=CODE_OF_ERROR.get(first["type"]),
    )
