"""Code lists of the intake app (issue 18)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How a report came in: the public form, or to an operator."""

    WEB = "web", _("Public form")
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat or messaging")
    IN_PERSON = "in_person", _("In person")


class ReporterRole(models.TextChoices):
    """Who is reporting: the person it happens to, or someone who knows."""

    VICTIM = "victim", _("It is happening, or happened, to me")
    FAMILY = "family", _("Family member or friend")
    WITNESS = "witness", _("Someone who saw or heard something")
    CLIENT = "client", _("A client or customer")
    PROFESSIONAL = "professional", _("A professional (health, social work, labour, police)")
    OTHER = "other", _("Other")


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("I do not know")


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_TRIAGE = "in_triage", _("Being triaged")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    """Urgent: a child or someone in immediate danger; else high when the indicators screened
    point to trafficking; else normal."""

    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")


class Outcome(models.TextChoices):
    """What a report became."""

    CASE = "case", _("A case opened")
    REFERRAL = "referral", _("Referred to a service")
    LAW_ENFORCEMENT = "law_enforcement", _("Reported to law enforcement")
    INFORMATION = "information", _("Information given, nothing more to do")
    NOT_TRAFFICKING = "not_trafficking", _("Not trafficking")
    DUPLICATE = "duplicate", _("The same as another report")
