"""Code lists of the case law (issue 17)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Instance(models.TextChoices):
    """Where a decision stands in the chain of appeals."""

    FIRST = "first_instance", _("First instance")
    APPEAL = "appeal", _("Appeal")
    SUPREME = "supreme", _("Supreme or cassation court")
    CONSTITUTIONAL = "constitutional", _("Constitutional court")
    REGIONAL_HUMAN_RIGHTS = "regional_human_rights", _("Regional human-rights court")
    INTERNATIONAL = "international", _("International court or body")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PartyRole(models.TextChoices):
    VICTIM = "victim", _("Victim")
    DEFENDANT = "defendant", _("Defendant")
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT_STATE = "respondent_state", _("Respondent State")
    THIRD_PARTY = "third_party", _("Third-party intervener")


class Outcome(models.TextChoices):
    """The verdict on one charge of one defendant, or a human-rights court's finding."""

    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted")
    DISMISSED = "dismissed", _("Dismissed")
    VIOLATION = "violation", _("Violation found")
    NO_VIOLATION = "no_violation", _("No violation found")
    PENDING = "pending", _("Pending")


class CountryRole(models.TextChoices):
    ORIGIN = "origin", _("Origin")
    TRANSIT = "transit", _("Transit")
    DESTINATION = "destination", _("Destination")


# The elements of the offence in art. 3(a) of the Trafficking in Persons Protocol: the act, the
# means (none needed for a child, art. 3(c)) and the purpose of exploitation.
class Act(models.TextChoices):
    RECRUITMENT = "recruitment", _("Recruitment")
    TRANSPORTATION = "transportation", _("Transportation")
    TRANSFER = "transfer", _("Transfer")
    HARBOURING = "harbouring", _("Harbouring")
    RECEIPT = "receipt", _("Receipt of persons")


class Means(models.TextChoices):
    THREAT = "threat", _("Threat or use of force")
    COERCION = "coercion", _("Other forms of coercion")
    ABDUCTION = "abduction", _("Abduction")
    FRAUD = "fraud", _("Fraud")
    DECEPTION = "deception", _("Deception")
    ABUSE_OF_POWER = "abuse_of_power", _("Abuse of power")
    VULNERABILITY = "vulnerability", _("Abuse of a position of vulnerability")
    PAYMENTS = "payments", _("Giving or receiving payments or benefits")


class Purpose(models.TextChoices):
    PROSTITUTION = "prostitution", _("Exploitation of the prostitution of others")
    SEXUAL = "sexual", _("Other forms of sexual exploitation")
    FORCED_LABOUR = "forced_labour", _("Forced labour or services")
    SLAVERY = "slavery", _("Slavery or practices similar to slavery")
    SERVITUDE = "servitude", _("Servitude")
    ORGANS = "organs", _("Removal of organs")
