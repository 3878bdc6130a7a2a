"""The coding page of a round (its secretariat's coders): every narrative answer of the
submitted and accepted replies with its tagged passages highlighted; select a passage and
tag it with a theme of the codebook, take back one's own tags; the States each theme counts;
two coders' agreement (Cohen's kappa) and their disagreements, each resolved with a reason."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import User
from palermo.core.pickers import country_names
from palermo.core.views import page_user
from palermo.monitoring import selectors, services
from palermo.monitoring.coding import agreement, coded_answers, segments, theme_counts
from palermo.monitoring.models import Answer, Code, Codebook, Coding, Round
from palermo.monitoring.views import MonitoringView, text_in


def _label(code: Code, language: str) -> str:
    return text_in(code.label, language, "en") or code.key


def _coders(round_: Round, codebook: Codebook) -> list[User]:
    ids = (
        Coding.objects.filter(answer__submission__round=round_, code__codebook=codebook)
        .values_list("coder_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=ids).order_by("username"))


class CodingView(MonitoringView):
    def _round(self, user: User, key: str) -> tuple[Round, Codebook | None]:
        found = selectors.round_get(user=user, key=key)
        services.round_owner(user, found)  # the round's secretariat only
        try:
            book = selectors.codebook_get(user=user, questionnaire=found.version.questionnaire)
        except NotFoundError:
            book = None
        return found, book

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        found, book = self._round(user, key)
        context: dict[str, Any] = {"round": found, "codebook": book}
        if book is not None:
            context.update(self._coding(user, found, book, request.GET.getlist("coder")))
        return render(request, "monitoring/coding.html", context)

    def _coding(
        self, user: User, round_: Round, book: Codebook, wanted: list[str]
    ) -> dict[str, Any]:
        language = (translation.get_language() or "en").split("-")[0]
        codes = list(book.codes.order_by("key"))
        labels = {c.key: _label(c, language) for c in codes}
        answers = coded_answers(round_)
        by_answer: dict[int, list[Coding]] = defaultdict(list)
        for coding in (
            Coding.objects.filter(answer__in=answers, code__codebook=book)
            .select_related("code", "coder")
            .order_by("start", "pk")
        ):
            by_answer[coding.answer_id].append(coding)
        names = country_names([a.submission.country_id for a in answers])
        rows = [
            {
                "answer": a,
                "state": names.get(a.submission.country_id, a.submission.country_id),
                "segments": [
                    (
                        seg.text,
                        "; ".join(
                            "{} ({})".format(labels[c.code.key], c.coder.username)
                            for c in seg.codings
                        ),
                    )
                    for seg in segments(str(a.value), by_answer[a.pk])
                ],
                "codings": [(c, labels[c.code.key]) for c in by_answer[a.pk]],
                "codes": [
                    (c.key, labels[c.key])
                    for c in codes
                    if not c.question or c.question == a.question.name
                ],
            }
            for a in answers
        ]
        coders = _coders(round_, book)
        chosen = [c for c in coders if c.username in wanted][:2]
        pair = None
        if len(chosen) == 2:  # noqa: PLR2004 - a pair of coders
            pair = agreement(round_, book, (chosen[0].pk, chosen[1].pk))
        return {
            "rows": rows,
            "labels": labels,
            "themes": [
                (labels.get(t.code, t.code), t, _names(t.countries))
                for t in theme_counts(round_, book)
            ],
            "coders": coders,
            "chosen": [c.username for c in chosen],
            "pair": pair,
            "by_code": sorted(
                (labels.get(k, k), v) for k, v in (pair.by_code if pair else {}).items()
            ),
            "disagreements": [
                (unit, labels.get(unit.code, unit.code), a, b)
                for unit, a, b in (pair.disagreements if pair else [])
            ],
            "me": user.pk,
        }

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        found, book = self._round(user, key)
        back = reverse("monitoring:coding", args=[key])
        if book is None:
            return redirect(back)
        try:
            self._act(user, found, book, request.POST)
        except ApplicationError as exc:
            if exc.status in (403, 404):  # noqa: PLR2004 - not theirs to do or to see
                raise
            messages.error(request, exc.detail)
        coders = request.POST.getlist("coder")
        query = (
            "?" + "&".join("coder={}".format(c) for c in coders if c.isidentifier())
            if coders
            else ""
        )
        anchor = (
            "#answer-{}".format(request.POST.get("answer", ""))
            if request.POST.get("answer", "").isdigit()
            else ""
        )
        return redirect(back + query + anchor)

    def _act(self, user: User, round_: Round, book: Codebook, data: Any) -> None:
        action = data.get("action", "")
        if action == "remove":
            coding = Coding.objects.filter(
                pk=_number(data.get("coding", "")),
                answer__submission__round=round_,
                code__codebook=book,
            ).first()
            if coding is None:
                raise NotFoundError(_("No such tag."))
            services.coding_remove(actor=user, coding=coding)
            return
        answer = (
            Answer.objects.filter(pk=_number(data.get("answer", "")), submission__round=round_)
            .select_related("question", "submission__round__version")
            .first()
        )
        code = book.codes.filter(key=data.get("code", "")).first()
        if answer is None or code is None:
            raise ApplicationError(_("Choose a theme of the codebook."), code="invalid")
        if action == "tag":
            start, end = data.get("start", ""), data.get("end", "")
            if start.isdigit() and end.isdigit():
                services.coding_add(
                    actor=user, answer=answer, code=code, start=int(start), end=int(end)
                )
            else:
                services.coding_add_passage(
                    actor=user, answer=answer, code=code, passage=data.get("passage", "")
                )
        elif action in ("applies", "does_not_apply"):
            services.coding_decide(
                actor=user,
                answer=answer,
                code=code,
                applies=action == "applies",
                reason=data.get("reason", ""),
            )
        else:
            raise ApplicationError(_("Nothing to do."))


def _names(codes: list[str]) -> str:
    named = country_names(codes)
    return ", ".join(named.get(c, c) for c in codes)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0
