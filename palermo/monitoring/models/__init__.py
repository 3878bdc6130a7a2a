"""Monitoring's records: questionnaires and rounds (`questionnaires`), action plans (`plans`)."""

from palermo.monitoring.models.plans import (
    Activity,
    Objective,
    Plan,
    PlanIndicator,
    ReportedValue,
    Target,
)
from palermo.monitoring.models.questionnaires import (
    Answer,
    Choice,
    Clarification,
    Code,
    Codebook,
    Coding,
    CodingDecision,
    Delegation,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    ReportPart,
    Round,
    Submission,
)
from palermo.monitoring.models.reporting import ReportComment

__all__ = [
    "Activity",
    "Answer",
    "Choice",
    "Clarification",
    "Code",
    "Codebook",
    "Coding",
    "CodingDecision",
    "Delegation",
    "Objective",
    "Plan",
    "PlanIndicator",
    "Question",
    "Questionnaire",
    "QuestionnaireVersion",
    "ReportComment",
    "ReportPart",
    "ReportedValue",
    "Round",
    "Submission",
    "Target",
]
