"""Every write of the monitoring app (see each module): questionnaires and their versions;
rounds, replies, answers and clarifications; codebooks and the coding of answers; the
outline of a round's consolidated report."""

from palermo.monitoring.services.coding import (
    codebook_create,
    coding_add,
    coding_add_passage,
    coding_decide,
    coding_remove,
)
from palermo.monitoring.services.questionnaires import (
    AUTHORS,
    SECRETARIATS,
    questionnaire_create,
    questionnaire_version_import,
    questionnaire_version_publish,
    secretariat_author,
)
from palermo.monitoring.services.report_comments import (
    commenting_state,
    draft_share,
    report_comment_add,
    report_comment_respond,
    report_publish,
)
from palermo.monitoring.services.reports import report_outline_set
from palermo.monitoring.services.rounds import (
    answer_save,
    can_answer,
    clarification_request,
    clarification_respond,
    current_answers,
    delegated_sections,
    is_focal_point,
    missing_answers,
    round_create,
    round_owner,
    round_send,
    section_delegate,
    section_reclaim,
    submission_accept,
    submission_return,
    submission_submit,
)

__all__ = [
    "AUTHORS",
    "SECRETARIATS",
    "answer_save",
    "can_answer",
    "codebook_create",
    "coding_add",
    "coding_add_passage",
    "coding_decide",
    "coding_remove",
    "clarification_request",
    "clarification_respond",
    "current_answers",
    "delegated_sections",
    "is_focal_point",
    "missing_answers",
    "questionnaire_create",
    "questionnaire_version_import",
    "questionnaire_version_publish",
    "commenting_state",
    "draft_share",
    "report_comment_add",
    "report_comment_respond",
    "report_outline_set",
    "report_publish",
    "round_create",
    "round_owner",
    "round_send",
    "secretariat_author",
    "section_delegate",
    "section_reclaim",
    "submission_accept",
    "submission_return",
    "submission_submit",
]
