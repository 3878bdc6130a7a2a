"""Monitoring's records: questionnaires and their versions (questions, sections and choices);
rounds of a version sent to the members of a mechanism, each State's submission, its answers
and the clarifications asked of it.

A questionnaire belongs to a secretariat (a regional mechanism or an international organisation)
and is written in versions: a draft while it is authored (in Palermo or as an XLSForm), then
published, after which it does not change and rounds can be sent with it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.core.models import Country, Organisation, User
from palermo.monitoring.choices import (
    PartKind,
    QuestionKind,
    RoundStatus,
    SubmissionStatus,
    VersionStatus,
)
from palermo.registry.models import Mechanism
from palermo.statistics.models import Indicator


class Questionnaire(models.Model):
    """A questionnaire a secretariat sends to States in rounds (UNODC's survey on General
    Assembly resolution 58/137, a GRETA evaluation round's): its questions are in its versions."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("secretariat"),
        on_delete=models.PROTECT,
        related_name="questionnaires",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return self.title


class QuestionnaireVersion(models.Model):
    """One version of a questionnaire: its questions in order, the languages they are written
    in, and where it came from (an XLSForm file, or written in Palermo)."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=300)
    form_id = models.CharField(_("form id (XLSForm)"), max_length=80)
    languages = models.JSONField(_("languages of the labels"), default=list, blank=True)
    default_language = models.CharField(_("default language"), max_length=16, default="en")
    source_name = models.CharField(_("imported from"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["questionnaire", "number"]
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"],
                name="monitoring_version_number_unique",
                violation_error_message=_(
                    "This questionnaire already has a version with this number."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1),
                name="monitoring_version_number_positive",
                violation_error_message=_("A version number is 1 or more."),
            ),
        ]

    def __str__(self) -> str:
        return "{} v{}".format(self.questionnaire.key, self.number)


class Question(models.Model):
    """A question of a questionnaire version, or a section holding questions, or a note; in
    the version's order. Labels, hints and constraint messages are by language code."""

    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("questionnaire version"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    section = models.ForeignKey(
        "self",
        verbose_name=_("section"),
        on_delete=models.CASCADE,
        related_name="children",
        null=True,
        blank=True,
    )
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    label = models.JSONField(_("label"), default=dict, blank=True)
    hint = models.JSONField(_("help text"), default=dict, blank=True)
    relevance = models.CharField(_("asked when (relevance)"), max_length=1000, blank=True)
    constraint = models.CharField(_("constraint"), max_length=1000, blank=True)
    constraint_message = models.JSONField(_("constraint message"), default=dict, blank=True)
    required = models.BooleanField(_("answer required"), default=False)
    choice_list = models.CharField(_("list of choices"), max_length=80, blank=True)
    prefill = models.CharField(_("pre-filled from"), max_length=120, blank=True)
    # What a yes or a choice says the State needs (`palermo_need`, `monitoring.needs`).
    need = models.CharField(_("states a need for"), max_length=100, blank=True)
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("statistics indicator"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "name"],
                name="monitoring_question_name_unique",
                violation_error_message=_("Two questions of a version have the same name."),
            ),
            models.UniqueConstraint(
                fields=["version", "position"], name="monitoring_question_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Choice(models.Model):
    """An answer a select question offers (XLSForm's choices sheet), by list."""

    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("questionnaire version"),
        on_delete=models.CASCADE,
        related_name="choices",
    )
    list_name = models.CharField(_("list"), max_length=80)
    name = models.CharField(_("name"), max_length=80)
    label = models.JSONField(_("label"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"))

    class Meta:
        ordering = ["version", "list_name", "position"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "list_name", "name"],
                name="monitoring_choice_name_unique",
                violation_error_message=_("A list of choices has the same choice twice."),
            ),
        ]

    def __str__(self) -> str:
        return "{}: {}".format(self.list_name, self.name)


class Round(models.Model):
    """A round: one published questionnaire version sent by its secretariat to the States
    members of a mechanism on a date (or to the States it lists: a note verbale to
    Governments), to answer by a deadline; and the symbol and date of the consolidated report
    written from it."""

    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("questionnaire version"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    mechanism = models.ForeignKey(
        Mechanism,
        verbose_name=_("sent to the members of"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    addressees = models.JSONField(_("sent to these States"), default=list, blank=True)
    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    as_of = models.DateField(_("date of the round"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,  # a round received from the secretariat's node
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    report_symbol = models.CharField(_("report's document symbol"), max_length=80, blank=True)
    report_title = models.JSONField(_("report's title"), default=dict, blank=True)
    report_date = models.DateField(_("report's date"), null=True, blank=True)
    report_codebook = models.ForeignKey(
        "Codebook",
        verbose_name=_("report's codebook"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Where the figures of the questions bound to a statistics indicator go when a State
    # submits: that State's draft figures of this data set for this period.
    figures_dataset = models.CharField(_("figures go to the data set"), max_length=80, blank=True)
    figures_period = models.CharField(_("figures for the period"), max_length=20, blank=True)
    draft_shared_at = models.DateTimeField(
        _("draft report shared with the States at"), null=True, blank=True
    )
    comments_due = models.DateField(_("States' comments due"), null=True, blank=True)
    published_at = models.DateTimeField(_("report published at"), null=True, blank=True)
    # On a State's node: the secretariat's node the round came from (the reply goes back there).
    origin = models.ForeignKey(
        "cooperation.Node",
        verbose_name=_("sent from the node"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-as_of", "key"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("as_of")),
                name="monitoring_round_deadline_after_date",
                violation_error_message=_("The deadline is on or after the date of the round."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Submission(models.Model):
    """One State's reply to a round: its answers, and where it stands."""

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="submissions"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("State"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.NOT_STARTED,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # On the secretariat's node: the State's node that answers this reply (none: answered here).
    node = models.ForeignKey(
        "cooperation.Node",
        verbose_name=_("answered on the node"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["round", "country"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "country"], name="monitoring_submission_one_per_state"
            ),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.round.key, self.country_id)


class Answer(models.Model):
    """A State's answer to one question: the value (text, number, date, a choice's name, a list
    of choices or of countries), and, when Palermo filled it in, from what, and why it was
    changed."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.JSONField(_("answer"), null=True, blank=True)
    prefilled = models.JSONField(_("pre-filled answer"), null=True, blank=True)
    prefill_source = models.CharField(_("pre-filled from"), max_length=500, blank=True)
    change_reason = models.CharField(
        _("why the pre-filled answer was changed"), max_length=500, blank=True
    )
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(_("answered at"), auto_now=True)

    class Meta:
        ordering = ["submission", "question__position"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "question"], name="monitoring_answer_one_per_question"
            ),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.submission, self.question.name)


class Clarification(models.Model):
    """What the secretariat asks a State about its submission (about one question or the
    whole), and the State's response."""

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="clarifications",
    )
    question = models.ForeignKey(
        Question,
        verbose_name=_("question"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    request = models.TextField(_("request"), max_length=4000)
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,  # asked on the secretariat's node, received here
        blank=True,
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    response = models.TextField(_("response"), max_length=4000, blank=True)
    responded_by = models.ForeignKey(
        User,
        verbose_name=_("responded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)

    class Meta:
        ordering = ["submission", "requested_at"]
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")

    def __str__(self) -> str:
        return "{}: {}".format(self.submission, self.request[:40])


class Codebook(models.Model):
    """A versioned list of themes to code the narrative answers of a questionnaire's rounds
    with ("awareness-raising campaign", "hotline", "reflection period" ...)."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        related_name="codebooks",
    )
    version = models.PositiveIntegerField(_("version"))
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["questionnaire", "version"]
        verbose_name = _("codebook")
        verbose_name_plural = _("codebooks")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "version"], name="monitoring_codebook_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return "{} codebook v{}".format(self.questionnaire.key, self.version)


class Code(models.Model):
    """A theme of a codebook, optionally for one question (by name)."""

    codebook = models.ForeignKey(
        Codebook, verbose_name=_("codebook"), on_delete=models.CASCADE, related_name="codes"
    )
    key = models.SlugField(_("key"), max_length=80)
    label = models.JSONField(_("label"), default=dict)
    question = models.CharField(_("question"), max_length=80, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)

    class Meta:
        ordering = ["codebook", "key"]
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        constraints = [
            models.UniqueConstraint(fields=["codebook", "key"], name="monitoring_code_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class Coding(models.Model):
    """A coder's tag: a passage of an answer (its characters start to end) coded with a theme;
    the passage is kept as the evidence of the count it enters."""

    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="codings"
    )
    code = models.ForeignKey(
        Code, verbose_name=_("code"), on_delete=models.PROTECT, related_name="codings"
    )
    coder = models.ForeignKey(
        User, verbose_name=_("coder"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    passage = models.TextField(_("passage"), max_length=20000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["answer", "start"]
        verbose_name = _("coding")
        verbose_name_plural = _("codings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="monitoring_coding_passage_not_empty",
                violation_error_message=_("A passage ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.code, self.answer_id)


class CodingDecision(models.Model):
    """How a disagreement between coders on an answer and a theme was resolved: whether the
    answer carries the theme, decided by whom and why."""

    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="coding_decisions"
    )
    code = models.ForeignKey(
        Code, verbose_name=_("code"), on_delete=models.PROTECT, related_name="decisions"
    )
    applies = models.BooleanField(_("the theme applies"))
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    decided_at = models.DateTimeField(_("decided at"), auto_now=True)

    class Meta:
        verbose_name = _("coding decision")
        verbose_name_plural = _("coding decisions")
        constraints = [
            models.UniqueConstraint(fields=["answer", "code"], name="monitoring_decision_unique"),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.code, self.answer_id)


class ReportPart(models.Model):
    """A part of a round's consolidated report, in order: a heading or a paragraph the
    secretariat writes, or a paragraph around what Palermo computes from the replies: the
    States that replied (`{states}`, `{count}`), or footnotes listing the States whose answers
    carry a theme of the report's codebook. Texts are by language code. A paragraph's `notes`
    are its footnotes in order ({"theme": key, "footnote": {lang: text}, "remarks": {ISO3:
    {lang: text}}}), placed at its `{note}` markers: `{states}` in a footnote is its theme's
    list, `{states:KEY}` another theme's, and a remark follows a State's name in parentheses.
    A chart part draws the published figures of an indicator for a year, one bar per State
    that replied (`chart`: {"indicator": code, "year": YYYY}), with its text as caption."""

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="report_parts"
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=PartKind.choices)
    text = models.JSONField(_("text"), default=dict)
    notes = models.JSONField(_("footnotes"), default=list, blank=True)
    chart = models.JSONField(_("chart"), default=dict, blank=True)

    class Meta:
        ordering = ["round", "position"]
        verbose_name = _("report part")
        verbose_name_plural = _("report parts")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "position"], name="monitoring_part_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.round.key, self.position)


class Delegation(models.Model):
    """A section of a State's reply that its focal point gave to an agency of the State to
    answer (the focal point still submits the whole reply)."""

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    section = models.ForeignKey(
        Question, verbose_name=_("section"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    delegated_by = models.ForeignKey(
        User, verbose_name=_("delegated by"), on_delete=models.PROTECT, related_name="+"
    )
    delegated_at = models.DateTimeField(_("delegated at"), auto_now_add=True)

    class Meta:
        ordering = ["submission", "section__position"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "section"], name="monitoring_delegation_one_per_section"
            ),
        ]

    def __str__(self) -> str:
        return "{} {} {}".format(self.submission, self.section.name, self.organisation_id)
