"""Input and output schemas of the monitoring API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class CountryListOut(Schema):
    """States in one line in UN editorial style, and how they were asked for."""

    text: str
    as_of: dt.date
    language: str
    context: str
    count: int


class QuestionnaireIn(Schema):
    key: str
    title: str


class VersionSummaryOut(Schema):
    number: int
    status: str
    title: str
    created_at: dt.datetime
    published_at: dt.datetime | None


class QuestionnaireOut(Schema):
    key: str
    title: str
    secretariat: str
    versions: list[VersionSummaryOut]


class QuestionOut(Schema):
    name: str
    kind: str
    section: str | None
    label: dict[str, str]
    hint: dict[str, str]
    relevance: str
    constraint: str
    constraint_message: dict[str, str]
    required: bool
    choice_list: str
    indicator: str
    prefill: str


class ChoiceOut(Schema):
    list_name: str
    name: str
    label: dict[str, str]


class VersionOut(VersionSummaryOut):
    questionnaire: str
    form_id: str
    languages: list[str]
    default_language: str
    source_name: str
    questions: list[QuestionOut]
    choices: list[ChoiceOut]


class RoundIn(Schema):
    key: str
    title: str
    questionnaire: str
    version: int
    mechanism: str = ""
    countries: list[str] = []
    as_of: dt.date
    deadline: dt.date
    figures: str = Field(
        default="",
        description="DATASET/PERIOD (tip-annual/2009): where the answers bound to a statistics "
        "indicator go as the State's draft figures when it submits",
    )


class BoardRowOut(Schema):
    country: str
    status: str
    answered: int
    questions: int
    late: bool
    open_clarifications: int
    submitted_at: dt.datetime | None
    node: str = Field(default="", description="the State's own node, where it answers")


class RoundOut(Schema):
    key: str
    title: str
    questionnaire: str
    version: int
    mechanism: str | None
    countries: list[str]
    as_of: dt.date
    deadline: dt.date
    status: str
    sent_at: dt.datetime | None
    figures: str
    board: list[BoardRowOut] | None


class AnswerOut(Schema):
    question: str
    value: Any
    prefilled: Any
    prefill_source: str
    change_reason: str


class ClarificationOut(Schema):
    id: int
    question: str | None
    request: str
    requested_at: dt.datetime
    response: str
    responded_at: dt.datetime | None


class SubmissionOut(Schema):
    round: str
    country: str
    status: str
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    missing: list[str]
    answers: list[AnswerOut]
    clarifications: list[ClarificationOut]


class AnswerIn(Schema):
    value: Any = None
    reason: str = ""


class ClarificationIn(Schema):
    request: str
    question: str | None = None


class ResponseIn(Schema):
    response: str


class RoundReasonIn(Schema):
    reason: str


class CodeIn(Schema):
    key: str
    label: dict[str, str] | str
    question: str = ""
    description: str = ""


class CodebookIn(Schema):
    codes: list[CodeIn]


class CodeOut(Schema):
    key: str
    label: dict[str, str]
    question: str
    description: str


class CodebookOut(Schema):
    questionnaire: str
    version: int
    codes: list[CodeOut]


class CodingIn(Schema):
    country: str
    question: str
    code: str
    codebook: int = 0
    start: int | None = None
    end: int | None = None
    passage: str = ""


class CodingOut(Schema):
    id: int
    country: str
    question: str
    code: str
    coder: str
    start: int
    end: int
    passage: str


class DecisionIn(Schema):
    country: str
    question: str
    code: str
    codebook: int = 0
    applies: bool
    reason: str


class ThemeOut(Schema):
    code: str
    label: dict[str, str]
    countries: list[str]
    text: str
    passages: dict[str, list[str]]
    unresolved: list[str]


class DisagreementOut(Schema):
    country: str
    question: str
    code: str
    first: bool
    second: bool


class AgreementOut(Schema):
    coders: list[str]
    units: int
    kappa: float
    by_code: dict[str, float]
    disagreements: list[DisagreementOut]


class PlanOut(Schema):
    key: str
    title: str
    short_title: str
    level: str
    mechanism: str | None
    country: str | None
    parent: str | None
    kept_by: str
    responsible: str
    start: dt.date
    end: dt.date
    dates_note: str
    adopted: str
    source: str


class ProgressOut(PlanOut):
    """A plan's objectives, activities and indicators, each indicator's periods with target,
    actual value and where it stands on `as_of`."""

    as_of: dt.date
    counts: dict[str, int]
    late_activities: list[str]
    attention: list[dict[str, Any]]
    objectives: list[dict[str, Any]]


class PlanValueIn(Schema):
    period_start: dt.date
    period_end: dt.date
    value: Decimal
    evidence: str
    evidence_url: str = ""


class PlanValueOut(Schema):
    id: int
    plan: str
    indicator: str
    period_start: dt.date
    period_end: dt.date
    value: float
    evidence: str
    evidence_url: str
    status: str
    return_reason: str


class DoneIn(Schema):
    done_on: dt.date | None


class DraftIn(Schema):
    comments_due: dt.date


class DraftCommentIn(Schema):
    text: str
    part: int | None = None


class DraftCommentAnswerIn(Schema):
    taken: bool
    response: str


class DraftCommentOut(Schema):
    id: int
    state: str
    part: int | None
    text: str
    status: str
    response: str
    created_at: dt.datetime


class ReportStateOut(Schema):
    round: str
    draft_shared_at: dt.datetime | None
    comments_due: dt.date | None
    published_at: dt.datetime | None


class OrganisationListOut(Schema):
    """Organisations in one line in UN-system order, and how they were asked for."""

    text: str
    as_of: dt.date
    language: str
    style: str
    count: int


class OutlineIn(Schema):
    """A report's outline (see the README, "The consolidated report")."""

    symbol: str = ""
    date: dt.date | None = None
    title: dict[str, str] | str | None = None
    codebook: int | None = None
    parts: list[dict[str, Any]]
