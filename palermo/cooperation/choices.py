"""Choices of the cooperation app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReceiptStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DUPLICATE = "duplicate", _("Duplicate (already received)")


class RequestType(models.TextChoices):
    MLA = "mla", _("Mutual legal assistance")
    EXTRADITION = "extradition", _("Extradition")
    JIT = "jit", _("Joint investigation team")
    INFORMATION = "information", _("Exchange of information")
    RETURN_VERIFICATION = (
        "return_verification",
        _("Verification for return (nationality, residence)"),
    )
    TRACING = "tracing", _("Tracing of persons")
    ASSETS = "assets", _("Identification, seizure and confiscation of assets")


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing (this node requests)")
    INCOMING = "incoming", _("Incoming (this node is requested)")


class Side(models.TextChoices):
    REQUESTER = "requester", _("Requesting side")
    REQUESTED = "requested", _("Requested side")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    VERY_URGENT = "very_urgent", _("Very urgent (life or liberty at risk)")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    MORE_INFO_REQUESTED = "more_info_requested", _("More information requested")
    EXECUTED = "executed", _("Executed")
    PARTIALLY_EXECUTED = "partially_executed", _("Partially executed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


class LegalBasisKind(models.TextChoices):
    INSTRUMENT = "instrument", _("Treaty (from the registry)")
    BILATERAL = "bilateral", _("Bilateral agreement or arrangement")
    RECIPROCITY = "reciprocity", _("Reciprocity")


class RefusalGround(models.TextChoices):
    """Grounds for refusal, after UNTOC art. 18(21) and art. 16 (extradition)."""

    NOT_IN_CONFORMITY = "not_in_conformity", _("Request not made in conformity with the treaty")
    SOVEREIGNTY = (
        "sovereignty",
        _("Prejudice to sovereignty, security, ordre public or essential interests"),
    )
    DOMESTIC_LAW = "domestic_law", _("Domestic law prohibits the action for a similar offence")
    LEGAL_SYSTEM = "legal_system", _("Contrary to the legal system of the requested state")
    DUAL_CRIMINALITY = "dual_criminality", _("Absence of dual criminality")
    DISCRIMINATION = (
        "discrimination",
        _("Grounds to believe it serves prosecution on discriminatory grounds"),
    )
    NATIONALITY = "nationality", _("The person is a national of the requested state")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Insufficient information")
    OTHER = "other", _("Other (see the grounds)")


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of receipt (automatic)")
    REMINDER = "reminder", _("Reminder (automatic)")
    FORWARD = "forward", _("Forwarded content")


class SourceReliability(models.TextChoices):
    """Source evaluation, after the 3x5x2 / 4x4 intelligence handling codes."""

    A = "A", _("A - Always reliable")
    B = "B", _("B - Mostly reliable")
    C = "C", _("C - Sometimes reliable")
    D = "D", _("D - Not usually reliable")
    E = "E", _("E - Unreliable")
    X = "X", _("X - Reliability cannot be judged (untested source)")


class InformationAssessment(models.TextChoices):
    """Intelligence assessment, after the 3x5x2 / 4x4 intelligence handling codes."""

    ONE = "1", _("1 - Known to be true without reservation")
    TWO = "2", _("2 - Known personally to the source but not to the officer")
    THREE = "3", _("3 - Not known personally to the source, but corroborated")
    FOUR = "4", _("4 - Cannot be judged")
    FIVE = "5", _("5 - Suspected to be false or malicious")


class HandlingCode(models.TextChoices):
    """Handling restrictions set by the originator; the receiving node enforces them."""

    NO_FURTHER_DISSEMINATION = (
        "no_further_dissemination",
        _("Not to be disseminated further without the originator's permission"),
    )
    LAW_ENFORCEMENT_ONLY = (
        "law_enforcement_only",
        _("Law enforcement only: not to be shared with non-governmental organisations"),
    )
    NOT_FOR_COURT = (
        "not_for_court",
        _(
            "Intelligence only: not to be used as evidence in court "
            "without the originator's permission"
        ),
    )


class CaseBasis(models.TextChoices):
    CONSENT = "consent", _("Recorded consent of the person to data sharing")
    LEGAL_BASIS = "legal_basis", _("Stated legal basis")
    NOT_IDENTIFYING = "not_identifying", _("No identifying data")
