"""Code lists of the monitoring app."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VersionStatus(models.TextChoices):
    """A questionnaire version is written as a draft, then published: frozen, for rounds."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class QuestionKind(models.TextChoices):
    """What a question asks for (a section holds questions; a note only shows its text)."""

    SECTION = "section", _("Section")
    NOTE = "note", _("Note (text shown, no answer)")
    TEXT = "text", _("Narrative text")
    YES_NO = "yes_no", _("Yes or no")
    SELECT_ONE = "select_one", _("One choice")
    SELECT_MULTIPLE = "select_multiple", _("Several choices")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Number")
    DATE = "date", _("Date")
    COUNTRY_LIST = "country_list", _("List of countries")
    FILE = "file", _("File (such as a law's text)")


ANSWERED = frozenset(QuestionKind.values) - {QuestionKind.SECTION, QuestionKind.NOTE}
NUMERIC = frozenset({QuestionKind.INTEGER, QuestionKind.DECIMAL})


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    CLOSED = "closed", _("Closed")


class SubmissionStatus(models.TextChoices):
    """A State's reply: opened by its focal point, submitted (then locked), sent back with a
    request for clarification, accepted by the secretariat."""

    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    CLARIFICATION = "clarification", _("Clarification requested")
    ACCEPTED = "accepted", _("Accepted")


# A reply its State may still change; the others are locked.
OPEN_STATUSES = frozenset(
    {SubmissionStatus.NOT_STARTED, SubmissionStatus.IN_PROGRESS, SubmissionStatus.CLARIFICATION}
)


class PartKind(models.TextChoices):
    """A part of a consolidated report: editorial text, or text around what Palermo computes."""

    HEADING = "heading", _("Heading")
    PARAGRAPH = "paragraph", _("Paragraph")
    RESPONDENTS = "respondents", _("The States that replied")
    THEME = "theme", _("A theme's States, in a footnote")
    CHART = "chart", _("A chart of published figures")
    TABLE = "table", _("A table of published figures")


# `{states:KEY}` in a report's text: the States whose answers carry another theme.
OTHER_THEME = re.compile(r"\{states:([a-z0-9_-]+)\}")
# `{organisations:UNODC,ILO}` (or `{organisations:UNODC,ILO|first}`) in a report's text: those
# organisations in UN-system order, named in the report's language (`orglists`).
ORGANISATIONS = re.compile(r"\{organisations:([A-Za-z0-9_, -]+)(?:\|(acronym|full|first))?\}")


class PlanLevel(models.TextChoices):
    """Plans nest: a regional plan, the national plans that implement it, agencies' work plans."""

    REGIONAL = "regional", _("Regional plan")
    NATIONAL = "national", _("National plan")
    AGENCY = "agency", _("Agency work plan")


class IndicatorKind(models.TextChoices):
    """Where an indicator's actual value comes from."""

    COMPUTED = "computed", _("Computed from Palermo's records")
    REPORTED = "reported", _("Reported with evidence")


class Direction(models.TextChoices):
    INCREASE = "increase", _("Higher is better")
    DECREASE = "decrease", _("Lower is better")


class RollUp(models.TextChoices):
    """How national values of an indicator add up to the regional indicator they report to."""

    SUM = "sum", _("Sum")
    COUNT = "count", _("Number of plans reporting more than zero")
    MEAN = "mean", _("Mean")


class ValueStatus(models.TextChoices):
    """A reported value's cycle (Akvo RSR's): written, submitted, sent back with a reason, or
    approved, when it becomes the indicator's actual value for the period."""

    DRAFT = "draft", pgettext_lazy("a reported value", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("a reported value", "Submitted")
    RETURNED = "returned", pgettext_lazy("a reported value", "Returned")
    APPROVED = "approved", pgettext_lazy("a reported value", "Approved")


class Progress(models.TextChoices):
    """Where an indicator stands against a period's target."""

    MET = "met", _("Target met")
    ON_TRACK = "on_track", _("On track")
    OFF_TRACK = "off_track", _("Off track")
    MISSED = "missed", _("Target missed")
    UNDER_WAY = "under_way", _("Under way")
    NOT_REPORTED = "not_reported", _("No value after the period's end")
    NOT_DUE = "not_due", _("Not started")
    NO_TARGET = "no_target", _("No target")


class CommentStatus(models.TextChoices):
    """A State's comment on the draft report (GRETA's procedure): open until the secretariat
    says whether the final report takes it into account, and why."""

    OPEN = "open", _("Open")
    TAKEN = "taken", _("Taken into account")
    NOT_TAKEN = "not_taken", _("Not taken into account")
