"""Linkage exercises between two nodes (issue 16): who proposed one to whom, the pseudonyms each
side gave its persons, the encodings held while the exercise runs, and the matches found.

Nothing here is an identity: a person is referred to by a pseudonym made for one exercise
(`ExercisePerson`), the other node's persons by the pseudonyms it sent. The exercise's secret
is agreed by X25519 (each side's private key, encrypted, is kept until the secret is derived,
then erased) and never travels."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from palermo.cases.models import Person
from palermo.cooperation.models import Node, Request
from palermo.core.textlimits import NOTE_MAX, text_limit


def new_pseudonym() -> str:
    """A pseudonym for one exercise: 16 random characters, no relation to anything else."""
    return "L-" + secrets.token_hex(8).upper()


class Role(models.TextChoices):
    INITIATOR = "initiator", _("proposed here")
    RESPONDER = "responder", _("proposed by the other node")
    LOCAL = "local", _("duplicates within this node")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ACCEPTED = "accepted", _("accepted, encoding")
    ENCODED = "encoded", _("encodings sent")
    MATCHED = "matched", _("matched")
    DECLINED = "declined", _("declined")


class Decision(models.TextChoices):
    PENDING = "pending", _("to review")
    CONFIRMED = "confirmed", _("confirmed: the same person")
    REJECTED = "rejected", _("rejected: different persons")


class Exercise(models.Model):
    """A linkage exercise with one peer node, or (no node) a search for duplicates among the
    persons this node holds."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    node = models.ForeignKey(
        Node,
        verbose_name=_("other node"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The encodings' parameters (pprl.Exercise without its secret), as proposed.
    parameters = models.JSONField(_("parameters"), default=dict)
    # This side's X25519 private key (encrypted) until the secret is derived; then "".
    private_key = models.TextField(_("private key (encrypted)"), blank=True)
    # The other side's X25519 public key (base64), once known.
    peer_public_key = models.CharField(_("other node's public key"), max_length=64, blank=True)
    persons = models.PositiveIntegerField(_("persons encoded here"), default=0)
    peer_persons = models.PositiveIntegerField(_("persons encoded by the other node"), default=0)
    parts_received = models.PositiveIntegerField(_("parts of encodings received"), default=0)
    threshold = models.FloatField(_("match threshold"), null=True, blank=True)
    # Pairs reviewers confirmed before that taught the model here (`labelled`).
    labelled = models.PositiveIntegerField(_("confirmed pairs the model learnt from"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("linkage exercise")
        verbose_name_plural = _("linkage exercises")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return "linkage exercise {}".format(self.pk)


class ExercisePerson(models.Model):
    """The pseudonym one of this node's persons has in one exercise."""

    exercise = models.ForeignKey(
        Exercise, verbose_name=_("exercise"), on_delete=models.CASCADE, related_name="persons_set"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    pseudonym = models.CharField(_("pseudonym"), max_length=20, default=new_pseudonym)

    class Meta:
        verbose_name = _("person in an exercise")
        verbose_name_plural = _("persons in exercises")
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "pseudonym"], name="linkage_person_pseudonym_unique"
            ),
            models.UniqueConstraint(fields=["exercise", "person"], name="linkage_person_unique"),
        ]

    def __str__(self) -> str:
        return self.pseudonym


class Encoding(models.Model):
    """Encodings held by the matching node while an exercise runs (its own and those received;
    erased once the matches are found)."""

    exercise = models.ForeignKey(
        Exercise, verbose_name=_("exercise"), on_delete=models.CASCADE, related_name="encodings"
    )
    ours = models.BooleanField(_("this node's"))
    pseudonym = models.CharField(_("pseudonym"), max_length=20)
    data = models.JSONField(_("encoding"))
    # The pairs earlier exercises with the same node put this person in (`decisions`).
    labels = models.JSONField(_("earlier pairs"), default=list, blank=True)

    class Meta:
        verbose_name = _("encoding")
        verbose_name_plural = _("encodings")
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "ours", "pseudonym"], name="linkage_encoding_unique"
            )
        ]

    def __str__(self) -> str:
        return "encoding {}".format(self.pseudonym)


class Match(models.Model):
    """A pair found by an exercise: one of this node's persons (by its exercise pseudonym) and
    one of the other node's (by the pseudonym it sent), or, for duplicates within this node,
    another of its persons (`other`); with the model's probability."""

    exercise = models.ForeignKey(
        Exercise, verbose_name=_("exercise"), on_delete=models.CASCADE, related_name="matches"
    )
    ours = models.ForeignKey(
        ExercisePerson, verbose_name=_("person here"), on_delete=models.CASCADE, related_name="+"
    )
    theirs = models.CharField(_("the other node's pseudonym"), max_length=20, blank=True)
    other = models.ForeignKey(
        ExercisePerson,
        verbose_name=_("the other person here"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    probability = models.FloatField(_("match probability"))
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    reason = models.TextField(_("reason"), blank=True, validators=[text_limit(NOTE_MAX)])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    request = models.ForeignKey(
        Request,
        verbose_name=_("cooperation request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-probability"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "ours", "theirs"], name="linkage_match_unique"
            )
        ]

    def __str__(self) -> str:
        return "match {} - {}".format(self.ours_id, self.theirs or self.other_id)
