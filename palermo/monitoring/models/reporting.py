"""States' comments on a round's draft consolidated report, before it is published (as GRETA
sends its draft reports to the parties for comments), and the secretariat's answer to each."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.core.models import Country, User
from palermo.core.textlimits import NOTE_MAX, text_limit
from palermo.monitoring.choices import CommentStatus
from palermo.monitoring.models.questionnaires import Round


class ReportComment(models.Model):
    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="report_comments"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("State"), on_delete=models.PROTECT, related_name="+"
    )
    part = models.PositiveIntegerField(_("part of the report"), null=True, blank=True)
    text = models.TextField(_("comment"), max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)])
    created_by = models.ForeignKey(
        User, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CommentStatus.choices, default=CommentStatus.OPEN
    )
    response = models.TextField(
        _("secretariat's answer"),
        blank=True,
        max_length=NOTE_MAX,
        validators=[text_limit(NOTE_MAX)],
    )
    responded_by = models.ForeignKey(
        User,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["round", "created_at", "pk"]
        verbose_name = _("comment on the draft report")
        verbose_name_plural = _("comments on the draft report")

    def __str__(self) -> str:
        return f"{self.round_id} {self.country_id} {self.pk}"
