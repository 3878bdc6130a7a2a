"""Choices of the cooperation app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReceiptStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DUPLICATE = "duplicate", _("Duplicate (already received)")
