"""Palermo's own code lists for case management (HTCDS picklists are in htcds.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PersonRole(models.TextChoices):
    VICTIM = "victim", _("Victim")
    PRESUMED_VICTIM = "presumed_victim", _("Presumed victim")
    SUSPECT = "suspect", _("Suspect")
    WITNESS = "witness", _("Witness")


class ScreeningOutcome(models.TextChoices):
    NOT_A_VICTIM = "not_a_victim", _("Not a victim")
    PRESUMED_VICTIM = "presumed_victim", _("Presumed victim")


class IdentificationDecision(models.TextChoices):
    IDENTIFIED = "identified", _("Identified as a victim of trafficking")
    NOT_IDENTIFIED = "not_identified", _("Not identified as a victim")


class IndicatorStrength(models.TextChoices):
    STRONG = "strong", _("Strong")
    MEDIUM = "medium", _("Medium")
    WEAK = "weak", _("Weak")


class IndicatorDimension(models.TextChoices):
    DECEPTIVE_RECRUITMENT = "deceptive_recruitment", _("Deceptive recruitment")
    COERCIVE_RECRUITMENT = "coercive_recruitment", _("Coercive recruitment")
    RECRUITMENT_ABUSE_OF_VULNERABILITY = (
        "recruitment_abuse_of_vulnerability",
        _("Recruitment by abuse of vulnerability"),
    )
    EXPLOITATION = "exploitation", _("Exploitative conditions")
    COERCION_AT_DESTINATION = "coercion_at_destination", _("Coercion at destination")
    ABUSE_OF_VULNERABILITY_AT_DESTINATION = (
        "abuse_of_vulnerability_at_destination",
        _("Abuse of vulnerability at destination"),
    )


class ServiceType(models.TextChoices):
    SHELTER = "shelter", _("Shelter / safe accommodation")
    MEDICAL = "medical", _("Medical care")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    LEGAL_AID = "legal_aid", _("Legal aid")
    INTERPRETATION = "interpretation", _("Interpretation")
    EDUCATION = "education", _("Education")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    FINANCIAL = "financial", _("Financial assistance")
    OTHER = "other", _("Other")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    DELIVERED = "delivered", _("Service delivered")
    CLOSED = "closed", pgettext_lazy("a referral", "Closed")


# What each referral action needs (the statuses it can start from) and where it leads. Accept,
# decline and deliver are the receiving organisation's; either side may close.
REFERRAL_TRANSITIONS: dict[str, tuple[set[ReferralStatus], ReferralStatus]] = {
    "accept": ({ReferralStatus.SENT}, ReferralStatus.ACCEPTED),
    "decline": ({ReferralStatus.SENT}, ReferralStatus.DECLINED),
    "deliver": ({ReferralStatus.ACCEPTED}, ReferralStatus.DELIVERED),
    "close": (
        {ReferralStatus.ACCEPTED, ReferralStatus.DELIVERED, ReferralStatus.DECLINED},
        ReferralStatus.CLOSED,
    ),
}


class ShareScope(models.TextChoices):
    """What a referral or a share reveals to the receiving organisation."""

    CASE_FACTS = "case_facts", _("Case facts (exploitation, movements, needs)")
    IDENTITY = "identity", _("Identity (names, date of birth, documents)")
    CONTACT = "contact", _("Contact details")
    PROTECTION = "protection", _("Protection measures")


class MeasureKind(models.TextChoices):
    REFLECTION_PERIOD = "reflection_period", _("Reflection and recovery period")
    RESIDENCE_PERMIT = "residence_permit", _("Temporary residence permit")
    WITNESS_PROTECTION = "witness_protection", _("Witness protection")


class MeasureStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    REVOKED = "revoked", _("Revoked")


class ConsentPurpose(models.TextChoices):
    ASSISTANCE = "assistance", _("Assistance")
    DATA_SHARING = "data_sharing", _("Data sharing")
    RESEARCH = "research", _("Research")


class ReturnStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DECIDED = "decided", _("Decided")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ProceedingStage(models.TextChoices):
    INVESTIGATION = "investigation", _("Investigation")
    PROSECUTION = "prosecution", _("Prosecution")
    TRIAL = "trial", _("Trial")
    VERDICT = "verdict", _("Verdict")
    APPEAL = "appeal", _("Appeal")
    CLOSED = "closed", _("Closed")


class Verdict(models.TextChoices):
    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted")
    DISMISSED = "dismissed", _("Dismissed")
