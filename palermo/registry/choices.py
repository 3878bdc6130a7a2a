"""Code lists of the registry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InstrumentKind(models.TextChoices):
    CONVENTION = "convention", _("Convention")
    PROTOCOL = "protocol", _("Protocol")
    REGIONAL_CONVENTION = "regional_convention", _("Regional convention")
    FRAMEWORK_DECISION = "framework_decision", _("Framework decision")
    DIRECTIVE = "directive", _("Directive")
    DECLARATION = "declaration", _("Declaration")
    MOU = "mou", _("Memorandum of understanding")
    ACTION_PLAN = "action_plan", _("Action plan")
    MODEL_LAW = "model_law", _("Model law")
    RESOLUTION = "resolution", _("Resolution")
    GUIDELINES = "guidelines", _("Guidelines")
    OTHER = "other", _("Other")


class TreatyActionKind(models.TextChoices):
    SIGNATURE = "signature", _("Signature")
    RATIFICATION = "ratification", _("Ratification")
    ACCEPTANCE = "acceptance", _("Acceptance")
    APPROVAL = "approval", _("Approval")
    ACCESSION = "accession", _("Accession")
    SUCCESSION = "succession", _("Succession")
    DEFINITIVE_SIGNATURE = "definitive_signature", _("Definitive signature")
    FORMAL_CONFIRMATION = "formal_confirmation", _("Formal confirmation")
    WITHDRAWAL = "withdrawal", _("Withdrawal")


CONSENT_ACTIONS = frozenset(
    {
        TreatyActionKind.RATIFICATION,
        TreatyActionKind.ACCEPTANCE,
        TreatyActionKind.APPROVAL,
        TreatyActionKind.ACCESSION,
        TreatyActionKind.SUCCESSION,
        TreatyActionKind.DEFINITIVE_SIGNATURE,
        TreatyActionKind.FORMAL_CONFIRMATION,
    }
)


class PartyStatus(models.TextChoices):
    PARTY = "party", _("Party")
    SIGNATORY = "signatory", _("Signatory")
    LISTED = "listed", _("Listed without status")
    NOT_PARTY = "not_party", _("Not a party")


class MechanismKind(models.TextChoices):
    REGIONAL = "regional_organisation", _("Regional organisation")
    SUBREGIONAL = "subregional_organisation", _("Sub-regional organisation")
    PROCESS = "intergovernmental_process", _("Intergovernmental process")
    INTERNATIONAL = "international_organisation", _("International organisation")


class Region(models.TextChoices):
    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    MENA = "middle_east_north_africa", _("Middle East and North Africa")
    ASIA_PACIFIC = "asia_pacific", _("Asia-Pacific")
    GLOBAL = "global", _("Global")
    INTER_REGIONAL = "inter_regional", _("Inter-regional")


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")
    ASSOCIATE = "associate", _("Associate member")
    PARTNER = "partner", _("Partner")


class LegislationKind(models.TextChoices):
    LAW = "law", _("Law")
    AMENDMENT = "amendment", _("Amendment")
    CODE = "code", _("Code")
    DECREE = "decree", _("Decree")
    ORDINANCE = "ordinance", _("Ordinance")
    BILL = "bill", _("Bill")
    REGULATION = "regulation", _("Regulation")
    OTHER = "other", _("Other")


class LegislationStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    ADOPTED = "adopted", _("Adopted")
    DRAFT = "draft", _("Draft")
    UNKNOWN = "unknown", _("Unknown")


class DirectoryRole(models.TextChoices):
    NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")
    NATIONAL_RAPPORTEUR = "national_rapporteur", _("National rapporteur")
    MLA_CENTRAL_AUTHORITY = (
        "mla_central_authority",
        _("Central authority for mutual legal assistance"),
    )
    EXTRADITION_AUTHORITY = "extradition_authority", _("Extradition authority")
    SPECIALIST_POLICE_UNIT = "specialist_police_unit", _("Specialist police unit")
    SPECIALIST_PROSECUTION_UNIT = "specialist_prosecution_unit", _("Specialist prosecution unit")
    REFERRAL_COORDINATOR = "referral_coordinator", _("Referral coordinator")
    HOTLINE = "hotline", _("Hotline")
    FOCAL_POINT = "focal_point", _("Focal point")
    COORDINATION_BODY = "coordination_body", _("Coordination body")
    OTHER = "other", _("Other")


class Origin(models.TextChoices):
    REFERENCE = "reference", _("Reference data")
    EDITOR = "editor", _("Entered by an editor")
