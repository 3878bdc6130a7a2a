"""Round pages under /monitoring/rounds/: the secretariat creates and sends a round and follows
its board; a State's national coordinator answers its reply (each answer saved as it changes),
submits it and responds to clarifications; the secretariat asks, accepts or sends back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.errors import ApplicationError
from palermo.core.models import Organisation, User
from palermo.core.pickers import country_names
from palermo.core.views import FormServiceView, page_user
from palermo.monitoring import selectors, services
from palermo.monitoring.answers import expression_value
from palermo.monitoring.choices import (
    ANSWERED,
    OPEN_STATUSES,
    QuestionKind,
    RoundStatus,
    SubmissionStatus,
    VersionStatus,
)
from palermo.monitoring.countrylists import LANGUAGES
from palermo.monitoring.expressions import holds
from palermo.monitoring.models import Question, QuestionnaireVersion, Round, Submission
from palermo.monitoring.views import MonitoringView, is_author, text_in
from palermo.monitoring.views_reports import report_steps
from palermo.registry.selectors import mechanism_get, mechanism_list


class _VersionField(forms.ModelChoiceField[QuestionnaireVersion]):
    def label_from_instance(self, obj: QuestionnaireVersion) -> str:
        return "{} v{}".format(obj.questionnaire.title, obj.number)


class RoundForm(forms.Form):
    version = _VersionField(
        label=gettext_lazy("Questionnaire version"), queryset=QuestionnaireVersion.objects.none()
    )
    mechanism = forms.ChoiceField(label=gettext_lazy("Sent to the members of"), required=False)
    countries = forms.CharField(
        label=gettext_lazy("Or sent to these States"),
        required=False,
        help_text=gettext_lazy(
            "ISO 3166-1 alpha-3 codes separated by commas (a note verbale to Governments), "
            "instead of a mechanism's members."
        ),
    )
    key = forms.SlugField(label=gettext_lazy("Key"), max_length=80)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    as_of = forms.DateField(
        label=gettext_lazy("Date of the round"),
        help_text=gettext_lazy(
            "The member States of that day receive it; answers are pre-filled as of it."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    deadline = forms.DateField(
        label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    figures = forms.CharField(
        label=gettext_lazy("Figures go to"),
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "A statistics data set and period, such as tip-annual/2025: the answers bound to an "
            "indicator become the State's draft figures there when it submits."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = QuestionnaireVersion.objects.filter(
            questionnaire__owner_id=user.organisation_id, status=VersionStatus.PUBLISHED
        ).select_related("questionnaire")
        choices = self.fields["mechanism"]
        assert isinstance(choices, forms.ChoiceField)  # noqa: S101 - declared above
        choices.choices = [("", "—")] + [
            (m.acronym, "{} ({})".format(m.name, m.acronym)) for m in mechanism_list()
        ]


class RoundListView(MonitoringView):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = page_user(request)
        return render(
            request,
            "monitoring/round_list.html",
            {"rounds": selectors.round_list(user=user), "can_author": is_author(user)},
        )


class RoundNewView(FormServiceView):
    form_class = RoundForm
    template_name = "monitoring/form.html"
    title = gettext_lazy("New round")
    intro = gettext_lazy(
        "A published questionnaire version sent to the States members of a mechanism on a "
        "date, to answer by a deadline. It is a draft until you send it."
    )
    submit_label = gettext_lazy("Create")
    invalid_status = 400

    def allowed(self, user: User) -> bool:
        return is_author(user)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": page_user(self.request)}

    def perform(self, form: RoundForm) -> Round:
        data = form.cleaned_data
        return services.round_create(
            actor=page_user(self.request),
            version=data["version"],
            mechanism=mechanism_get(data["mechanism"]) if data["mechanism"] else None,
            countries=[c for c in data["countries"].replace(",", " ").split() if c],
            key=data["key"],
            title=data["title"],
            as_of=data["as_of"],
            deadline=data["deadline"],
            figures=data["figures"],
        )

    def get_success_url(self, obj: Round) -> str:
        return reverse("monitoring:round", args=[obj.key])

    def get_success_message(self, obj: Round) -> str:
        return _("Round {} created (draft).").format(obj.key)


class RoundView(MonitoringView):
    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        found = selectors.round_get(user=user, key=key)
        secretariat = found.version.questionnaire.owner_id == user.organisation_id
        mine = None
        if not secretariat and user.organisation is not None:
            mine = found.submissions.filter(country_id=user.organisation.country_id).first()
        return render(
            request,
            "monitoring/round.html",
            {
                "round": found,
                "board": _named(selectors.round_board(user=user, round_=found))
                if secretariat
                else [],
                "secretariat": secretariat,
                "can_send": secretariat and found.status == RoundStatus.DRAFT and is_author(user),
                "mine": mine,
                "report_languages": LANGUAGES,
                **report_steps(user, found, secretariat=secretariat),
            },
        )

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        found = selectors.round_get(user=user, key=key)
        try:
            sent = services.round_send(actor=user, round_=found)
        except ApplicationError as exc:
            if exc.status == 403:  # noqa: PLR2004 - not the secretariat's round
                raise
            messages.error(request, exc.detail)
        else:
            messages.success(
                request, _("Round {} sent to {} States.").format(sent.key, sent.submissions.count())
            )
        return redirect("monitoring:round", key)


def _named(rows: list[selectors.BoardRow]) -> list[tuple[selectors.BoardRow, str]]:
    """Board rows with their State's name in the reader's language."""
    names = country_names([r.country for r in rows])
    return [(r, names.get(r.country, r.country)) for r in rows]


def _shown_answer(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


class SubmissionView(MonitoringView):
    """A State's reply: its answers by section, for its focal point to answer while it is open,
    and for the secretariat to read and judge."""

    def _context(
        self, user: User, reply: Submission, errors: dict[str, str], typed: dict[str, Any]
    ) -> dict[str, Any]:
        language = (translation.get_language() or "en").split("-")[0]
        version = reply.round.version
        default = version.default_language
        stored = {a.question_id: a for a in reply.answers.select_related("question")}
        values = {a.question.name: expression_value(a.value) for a in stored.values()}
        choices: dict[str, list[tuple[str, str]]] = {}
        for c in version.choices.order_by("position"):
            choices.setdefault(c.list_name, []).append(
                (c.name, text_in(c.label, language, default) or c.name)
            )
        focal = services.is_focal_point(user, reply)
        is_open = reply.status in OPEN_STATUSES
        editable = focal and is_open
        mine = services.delegated_sections(user, reply)
        delegations = {d.section_id: d for d in reply.delegations.select_related("organisation")}
        agencies = (
            list(
                Organisation.objects.filter(country_id=reply.country_id)
                .exclude(pk=user.organisation_id or 0)
                .order_by("name")
            )
            if editable
            else []
        )
        top: list[dict[str, Any]] = []
        by_id: dict[int, dict[str, Any]] = {}
        questions = list(version.questions.order_by("position"))
        # The questions whose answer decides whether another is asked: changing one shows the
        # whole reply again, so that the questions it calls for appear (or go).
        conditions = " ".join(q.relevance for q in questions if q.relevance)
        for q in questions:
            answer = stored.get(q.pk)
            parent = by_id.get(q.section_id) if q.section_id else None
            asked = holds(q.relevance, values) and (parent is None or parent["asked"])
            delegated = q.pk in mine or (parent is not None and parent["delegated"])
            item = {
                "q": q,
                "label": text_in(q.label, language, default),
                "hint": text_in(q.hint, language, default),
                "answer": answer,
                "shown": _shown_answer(answer.value if answer else None),
                "value": typed.get(q.name, answer.value if answer else None),
                "choices": choices.get(q.choice_list, []),
                "asked": asked,
                "answerable": q.kind in ANSWERED and q.kind != QuestionKind.FILE,
                "error": errors.get(q.name, ""),
                "reason": typed.get("reason:" + q.name, answer.change_reason if answer else ""),
                "children": [],
                "delegated": delegated,
                "editable": is_open and (focal or delegated),
                "delegation": delegations.get(q.pk),
                "drives": "${" + q.name + "}" in conditions,
            }
            by_id[q.pk] = item
            (parent["children"] if parent is not None else top).append(item)
        return {
            "reply": reply,
            "round": reply.round,
            "items": top,
            "editable": editable,
            "focal": focal,
            "agencies": agencies,
            "judge": reply.round.version.questionnaire.owner_id == user.organisation_id
            and is_author(user),
            "missing": services.missing_answers(reply),
            "clarifications": reply.clarifications.select_related("question"),
            "questions": [q for q in questions if q.kind in ANSWERED],
            "kinds": QuestionKind,
            "submitted": SubmissionStatus.SUBMITTED,
            "accepted": SubmissionStatus.ACCEPTED,
            "clarification": SubmissionStatus.CLARIFICATION,
        }

    def _reply(self, request: HttpRequest, key: str, iso3: str) -> tuple[User, Submission]:
        user = page_user(request)
        found = selectors.round_get(user=user, key=key)
        return user, selectors.submission_get(user=user, round_=found, country=iso3)

    def get(self, request: HttpRequest, key: str, iso3: str) -> HttpResponse:
        user, reply = self._reply(request, key, iso3)
        return render(request, "monitoring/submission.html", self._context(user, reply, {}, {}))

    def post(self, request: HttpRequest, key: str, iso3: str) -> HttpResponse:
        user, reply = self._reply(request, key, iso3)
        action = request.POST.get("action", "")
        try:
            message = self._act(user, reply, action, request)
        except ApplicationError as exc:
            if exc.status == 403:  # noqa: PLR2004 - not theirs to do
                raise
            name = request.POST.get("question", "")
            errors = {name: exc.detail} if action == "answer" and name else {}
            if not errors:
                messages.error(request, exc.detail)
            typed: dict[str, Any] = {}
            if action == "answer" and name:
                given = request.POST.getlist("value")
                typed = {
                    name: given if len(given) > 1 else request.POST.get("value"),
                    "reason:" + name: request.POST.get("reason", ""),
                }
            reply.refresh_from_db()
            context = self._context(user, reply, errors, typed)
            # htmx swaps in only what succeeded: an answer refused still shows its reason there.
            status = 200 if getattr(request, "htmx", False) else 400
            return render(request, "monitoring/submission.html", context, status=status)
        if message:
            messages.success(request, message)
        anchor = "#q-{}".format(request.POST.get("question")) if action == "answer" else ""
        return redirect(reverse("monitoring:submission", args=[key, reply.country_id]) + anchor)

    def _act(self, user: User, reply: Submission, action: str, request: HttpRequest) -> str:  # noqa: PLR0911 - one per action
        post = request.POST
        if action == "answer":
            question = self._question(reply, post.get("question", ""))
            values = post.getlist("value")
            value: Any = (
                values
                if question.kind in (QuestionKind.SELECT_MULTIPLE,)
                else post.get("value", "")
            )
            services.answer_save(
                actor=user,
                submission=reply,
                question=question,
                value=value,
                reason=post.get("reason", ""),
            )
            return ""
        if action == "delegate":
            section = self._question(reply, post.get("question", ""))
            agency = Organisation.objects.filter(
                pk=post.get("organisation") or 0, country_id=reply.country_id
            ).first()
            if agency is None:
                raise ApplicationError(_("Choose an agency of the State."), code="invalid")
            services.section_delegate(
                actor=user, submission=reply, section=section, organisation=agency
            )
            return _("The section was delegated to {}.").format(agency.name)
        if action == "reclaim":
            found = reply.delegations.filter(section__name=post.get("question", "")).first()
            if found is None:
                raise ApplicationError(_("The section is not delegated."), code="invalid")
            services.section_reclaim(actor=user, delegation=found)
            return _("The section is yours to answer again.")
        if action == "submit":
            services.submission_submit(actor=user, submission=reply)
            return _("The reply was submitted to the secretariat.")
        if action == "respond":
            clarification = reply.clarifications.filter(pk=post.get("clarification") or 0).first()
            if clarification is None:
                raise ApplicationError(_("No such clarification."), code="invalid")
            services.clarification_respond(
                actor=user, clarification=clarification, response=post.get("response", "")
            )
            return _("Your response was recorded: submit the reply again when it is ready.")
        if action == "ask":
            name = post.get("question", "")
            about = self._question(reply, name) if name else None
            services.clarification_request(
                actor=user, submission=reply, request=post.get("request", ""), question=about
            )
            return _("The request for clarification was sent to {}.").format(reply.country_id)
        if action == "accept":
            services.submission_accept(actor=user, submission=reply)
            return _("The reply of {} was accepted.").format(reply.country_id)
        if action == "return":
            services.submission_return(actor=user, submission=reply, reason=post.get("reason", ""))
            return _("The reply was sent back to {}.").format(reply.country_id)
        raise ApplicationError(_("Unknown action."), code="invalid")

    @staticmethod
    def _question(reply: Submission, name: str) -> Question:
        question = reply.round.version.questions.filter(name=name).first()
        if question is None:
            raise ApplicationError(
                _("{}: not a question of this round.").format(name), code="invalid"
            )
        return question
