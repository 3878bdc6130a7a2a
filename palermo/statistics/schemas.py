"""Input and output schemas of the statistics API."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from palermo.core.textlimits import Note


class StatisticsIndicatorOut(Schema):
    code: str
    version: int
    name: str
    description: str
    unit: str
    ics_tip: str
    glotip_name: str
    dimensions: list[str]
    breakdowns: list[list[str]]


class RuleOut(Schema):
    code: str
    version: int
    kind: str
    severity: str
    message: str
    params: dict[str, Any]


class DataSetOut(Schema):
    code: str
    version: int
    name: str
    description: str
    period_type: str
    indicators: list[str]
    rules: list[str]
    privacy_budget: float | None
    suppression_threshold: int


class DataSetDetailOut(DataSetOut):
    indicator_definitions: list[StatisticsIndicatorOut]
    rule_definitions: list[RuleOut]


class DimensionOut(Schema):
    code: str
    version: int
    name: str
    description: str
    countries: bool
    codes: list[dict[str, Any]]


class ValueOut(Schema):
    id: int
    dataset: str
    indicator: str
    country: str
    period: str
    sex: str
    age_group: str
    exploitation: str
    citizenship: str
    country_of_exploitation: str
    country_of_repatriation: str
    label: str
    value: int | None
    value_text: str
    masked: bool
    qualifier: str
    suspect: bool
    status: str
    origin: str
    public: bool
    source: str | None
    source_ref: str
    notes: str
    comment: str


class CellIn(Schema):
    cell: str
    value: int | str | None = None
    notes: Note = ""
    comment: Note = ""
    qualifier: str = "exact"


class ScopeIn(Schema):
    dataset: str
    country: str
    period: str


class RemainderIn(Schema):
    """A partial breakdown's "not stated / other" remainder: computed as the total minus the
    parts given (`wanted`), or removed (`wanted: false`)."""

    indicator: str
    dimension: str = Field(description="citizenship, country_of_exploitation, ...")
    wanted: bool = True


class ValuesIn(ScopeIn):
    cells: list[CellIn]
    remainders: list[RemainderIn] = Field(
        default_factory=list,
        description="remainders to compute after the cells are entered (same transaction)",
    )


class ValuesReturnIn(ScopeIn):
    reason: Note


class ValueCommentIn(Schema):
    comment: Note


class ReasonIn(Schema):
    reason: Note


class CellErrorOut(Schema):
    cell: str
    message: str
    severity: str = "error"


class CellErrorsOut(Schema):
    """The one error shape, with the cells at fault when the error is about cells."""

    detail: str
    code: str
    errors: list[CellErrorOut] = Field(default_factory=list)


class IssueOut(Schema):
    cell: str
    value_id: int
    rule: str
    severity: str
    message: str
    commented: bool


class CheckOut(Schema):
    errors: int
    warnings: int
    unexplained: int
    issues: list[IssueOut]


class CountOut(Schema):
    figures: int


class ImportOut(Schema):
    figures: int
    rows: int
    notes: str


class PublicationIn(Schema):
    dataset: str
    indicator: str
    period: str
    dimensions: list[str]
    countries: list[str]
    threshold: int | None = None
    method: str = "auto"
    key: str = ""
    title: str = ""


class DPReleaseIn(Schema):
    dataset: str
    indicator: str
    country: str
    period: str
    dimensions: list[str]
    epsilon: float
    max_contributions: int = 1
    key: str = ""
    title: str = ""


class PublicationCellOut(Schema):
    key: list[str]
    value: int | None
    flag: str


class PublicationOut(Schema):
    key: str
    version: int
    title: str
    dataset: str
    indicator: str
    country: str | None
    period: str
    dimensions: list[str]
    method: str
    parameters: dict[str, Any]
    information_loss: float | None
    basis: str
    digest: str
    created_at: str


class PublicationDetailOut(PublicationOut):
    cells: list[PublicationCellOut]


class BudgetOut(Schema):
    dataset: str
    country: str
    budget: float | None
    spent: float
    left: float
    releases: list[dict[str, Any]]


class DerivationIn(ScopeIn):
    pass


class DerivationOut(Schema):
    id: int
    dataset: str
    country: str
    period: str
    persons: int
    figures: int


class TracedPersonOut(Schema):
    pseudonym: str
    case_reference: str | None = Field(
        description="the person's case, when the user may see it (null otherwise)"
    )


class TraceOut(Schema):
    value_id: int
    value: int | None
    pseudonyms: list[str]
    cases: list[TracedPersonOut] = Field(
        default_factory=list, description="each counted person's case reference, if visible"
    )
    requests: list[str] = Field(
        default_factory=list, description="references of the requests a cooperation figure counts"
    )
    changed_since_derived: bool


class FlowOut(Schema):
    origin: str
    transit: str
    destination: str
    count: int | None
    display: str


class CompletenessCellOut(Schema):
    country: str
    period: str
    figures: int
    indicators: int
    status: str


class CompletenessOut(Schema):
    dataset: str
    indicators: int
    countries: list[str]
    periods: list[str]
    cells: list[CompletenessCellOut]
