"""Monitoring endpoints under /api/v1/monitoring/. Lists of States in UN editorial style are
public (reference text); questionnaires need a login (a secretariat's users write them, and
see their drafts)."""

# No `from __future__ import annotations` here: django-ninja reads `File[...]` parameter
# annotations at import time.

from dataclasses import asdict
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile

from palermo.core.auth import AUTH, api_user
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.monitoring import selectors, services
from palermo.monitoring.api_plans import router as plans_router
from palermo.monitoring.api_reports import router as reports_router
from palermo.monitoring.coding import agreement, theme_counts
from palermo.monitoring.countrylists import Context, country_list, language_of
from palermo.monitoring.models import (
    Answer,
    Code,
    Codebook,
    Questionnaire,
    QuestionnaireVersion,
    Round,
    Submission,
)
from palermo.monitoring.orglists import Style, organisation_list
from palermo.monitoring.schemas import (
    AgreementOut,
    AnswerIn,
    ClarificationIn,
    CodebookIn,
    CodebookOut,
    CodingIn,
    CodingOut,
    CountryListOut,
    DecisionIn,
    OrganisationListOut,
    QuestionnaireIn,
    QuestionnaireOut,
    ResponseIn,
    RoundIn,
    RoundOut,
    RoundReasonIn,
    SubmissionOut,
    ThemeOut,
    VersionOut,
)
from palermo.monitoring.versionplan import version_plan
from palermo.monitoring.xlsform import MAX_BYTES
from palermo.registry.selectors import mechanism_get, parse_as_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = Router(tags=["monitoring"])


@router.get("/country-list", response=CountryListOut, auth=None)
def country_list_text(
    request: HttpRequest,
    codes: str,
    as_of: str = "",
    lang: str = "en",
    context: str = "running",
) -> dict[str, Any]:
    """States named as a UN report names them, on one line: `codes` are ISO 3166-1 alpha-3
    codes separated by commas or spaces; their UN short names as at `as_of` (YYYY-MM-DD,
    default today), in `lang` (en, fr, es, ru, zh, ar), for `context` `running` (in a sentence:
    "the Philippines") or `list` (after a colon, without articles); alphabetical in that
    language, joined without a serial comma."""
    wanted = [c for c in codes.replace(",", " ").split() if c]
    if not wanted:
        raise ApplicationError(
            _("codes: give at least one ISO 3166-1 alpha-3 code, such as PHL."), code="invalid"
        )
    day = parse_as_of(as_of)
    language = language_of(lang)
    text = country_list(
        wanted,
        as_of=day,
        language=language,
        context=cast("Context", context),  # a wrong one is refused by country_list
    )
    return {
        "text": text,
        "as_of": day,
        "language": language,
        "context": context,
        "count": len({c.upper() for c in wanted}),
    }


@router.get("/organisation-list", response=OrganisationListOut, auth=None)
def organisation_list_text(
    request: HttpRequest, codes: str, as_of: str = "", lang: str = "en", style: str = "acronym"
) -> dict[str, Any]:
    """International organisations named as a UN report names them, on one line: `codes` are
    their English acronyms (or Palermo's keys, such as `daw`) separated by commas or spaces; in
    UN-system order as at `as_of` (YYYY-MM-DD, default today), never alphabetically; in `lang`,
    each by its acronym (`style` `acronym`), full name (`full`) or both (`first`)."""
    wanted = [c for c in codes.replace(",", " ").split() if c]
    if not wanted:
        raise ApplicationError(
            _("codes: give at least one organisation, such as UNODC."), code="invalid"
        )
    day = parse_as_of(as_of)
    language = language_of(lang)
    text = organisation_list(wanted, language=language, style=cast("Style", style), as_of=day)
    return {
        "text": text,
        "as_of": day,
        "language": language,
        "style": style,
        "count": len({c.lower() for c in wanted}),
    }


def _summary(version: QuestionnaireVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "status": version.status,
        "title": version.title,
        "created_at": version.created_at,
        "published_at": version.published_at,
    }


def _questionnaire(user: Any, questionnaire: Questionnaire) -> dict[str, Any]:
    return {
        "key": questionnaire.key,
        "title": questionnaire.title,
        "secretariat": questionnaire.owner.name,
        "versions": [
            _summary(v) for v in selectors.version_list(user=user, questionnaire=questionnaire)
        ],
    }


@router.get("/questionnaires", response=list[QuestionnaireOut], auth=AUTH)
def questionnaires(request: HttpRequest) -> list[dict[str, Any]]:
    """The questionnaires the caller may see (published ones; their secretariat's drafts)."""
    user = api_user(request)
    return [_questionnaire(user, q) for q in selectors.questionnaire_list(user=user)]


@router.post("/questionnaires", response={201: QuestionnaireOut}, auth=AUTH)
def questionnaire_new(request: HttpRequest, payload: QuestionnaireIn) -> Status[dict[str, Any]]:
    """A new questionnaire of the caller's secretariat (analysts and registry editors of a
    regional mechanism or an international organisation)."""
    user = api_user(request)
    q = services.questionnaire_create(actor=user, key=payload.key, title=payload.title)
    return Status(201, _questionnaire(user, q))


@router.get("/questionnaires/{key}", response=QuestionnaireOut, auth=AUTH)
def questionnaire(request: HttpRequest, key: str) -> dict[str, Any]:
    user = api_user(request)
    return _questionnaire(user, selectors.questionnaire_get(user=user, key=key))


def _version(request: HttpRequest, key: str, number: int) -> tuple[Any, QuestionnaireVersion]:
    user = api_user(request)
    q = selectors.questionnaire_get(user=user, key=key)
    return user, selectors.version_get(user=user, questionnaire=q, number=number)


def _version_out(version: QuestionnaireVersion) -> dict[str, Any]:
    plan = version_plan(version)
    return {
        **_summary(version),
        "questionnaire": version.questionnaire.key,
        "form_id": version.form_id,
        "languages": version.languages,
        "default_language": version.default_language,
        "source_name": version.source_name,
        "questions": [asdict(q) for q in plan.questions],
        "choices": [asdict(c) for c in plan.choices],
    }


@router.post("/questionnaires/{key}/versions", response={201: VersionOut}, auth=AUTH)
def version_upload(
    request: HttpRequest, key: str, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """A new draft version from an XLSForm workbook (.xlsx, at most 10 MB), checked as pyxform
    (KoboToolbox, ODK) checks it; 400 naming the row and the problem when it is refused."""
    user = api_user(request)
    q = selectors.questionnaire_get(user=user, key=key)
    if (file.size or 0) > MAX_BYTES:
        raise ApplicationError(_("The file is over {} MB.").format(MAX_BYTES // (1024 * 1024)))
    version = services.questionnaire_version_import(
        actor=user, questionnaire=q, data=file.read(), file_name=str(file.name or "form.xlsx")
    )
    return Status(201, _version_out(version))


@router.get("/questionnaires/{key}/versions/{number}", response=VersionOut, auth=AUTH)
def version(request: HttpRequest, key: str, number: int) -> dict[str, Any]:
    """A version with its questions in order (sections named in `section`) and its choices."""
    return _version_out(_version(request, key, number)[1])


@router.get("/questionnaires/{key}/versions/{number}/xlsform", auth=AUTH)
def version_xlsform(request: HttpRequest, key: str, number: int, as_of: str = "") -> HttpResponse:
    """The version as an XLSForm workbook (countries named as on `as_of`, default today)."""
    _user, found = _version(request, key, number)
    data = selectors.version_xlsform(found, as_of=parse_as_of(as_of))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="{}-v{}.xlsx"'.format(
        found.questionnaire.key, found.number
    )
    return response


@router.post("/questionnaires/{key}/versions/{number}/publish", response=VersionOut, auth=AUTH)
def version_publish(request: HttpRequest, key: str, number: int) -> dict[str, Any]:
    """The draft made final: it never changes again, and rounds can be sent with it."""
    user, found = _version(request, key, number)
    return _version_out(services.questionnaire_version_publish(actor=user, version=found))


# --- rounds -----------------------------------------------------------------------------------


def _round_out(user: Any, found: Round) -> dict[str, Any]:
    board = None
    if found.version.questionnaire.owner_id == user.organisation_id:
        board = [asdict(r) for r in selectors.round_board(user=user, round_=found)]
        for row in board:
            row.pop("status_label")
    return {
        "key": found.key,
        "title": found.title,
        "questionnaire": found.version.questionnaire.key,
        "version": found.version.number,
        "mechanism": found.mechanism.acronym if found.mechanism else None,
        "countries": list(found.addressees),
        "as_of": found.as_of,
        "deadline": found.deadline,
        "status": found.status,
        "sent_at": found.sent_at,
        "figures": "{}/{}".format(found.figures_dataset, found.figures_period)
        if found.figures_dataset
        else "",
        "board": board,
    }


@router.get("/rounds", response=list[RoundOut], auth=AUTH)
def rounds(request: HttpRequest) -> list[dict[str, Any]]:
    """The rounds the caller may see: their secretariat's (with its board), and those sent to
    their State (national coordinators)."""
    user = api_user(request)
    return [_round_out(user, r) for r in selectors.round_list(user=user)]


@router.post("/rounds", response={201: RoundOut}, auth=AUTH)
def round_new(request: HttpRequest, payload: RoundIn) -> Status[dict[str, Any]]:
    """A draft round of a published version of the caller's secretariat."""
    user = api_user(request)
    q = selectors.questionnaire_get(user=user, key=payload.questionnaire)
    created = services.round_create(
        actor=user,
        version=selectors.version_get(user=user, questionnaire=q, number=payload.version),
        mechanism=mechanism_get(payload.mechanism) if payload.mechanism else None,
        countries=payload.countries,
        key=payload.key,
        title=payload.title,
        as_of=payload.as_of,
        deadline=payload.deadline,
        figures=payload.figures,
    )
    return Status(201, _round_out(user, created))


@router.get("/rounds/{key}", response=RoundOut, auth=AUTH)
def round_detail(request: HttpRequest, key: str) -> dict[str, Any]:
    user = api_user(request)
    return _round_out(user, selectors.round_get(user=user, key=key))


@router.post("/rounds/{key}/send", response=RoundOut, auth=AUTH)
def round_send(request: HttpRequest, key: str) -> dict[str, Any]:
    """The draft round sent: a reply for every member State, with pre-filled answers."""
    user = api_user(request)
    sent = services.round_send(actor=user, round_=selectors.round_get(user=user, key=key))
    return _round_out(user, sent)


def _submission(request: HttpRequest, key: str, country: str) -> tuple[Any, Submission]:
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    return user, selectors.submission_get(user=user, round_=found, country=country)


def _submission_out(found: Submission) -> dict[str, Any]:
    return {
        "round": found.round.key,
        "country": found.country_id,
        "status": found.status,
        "submitted_at": found.submitted_at,
        "accepted_at": found.accepted_at,
        "missing": services.missing_answers(found),
        "answers": [
            {
                "question": a.question.name,
                # A file answer: its name, type, size and SHA-256 (GET .../files/{question})
                "value": {k: v for k, v in a.value.items() if k != "stored"}
                if isinstance(a.value, dict)
                else a.value,
                "prefilled": a.prefilled,
                "prefill_source": a.prefill_source,
                "change_reason": a.change_reason,
            }
            for a in found.answers.select_related("question").order_by("question__position")
        ],
        "clarifications": [
            {
                "id": c.pk,
                "question": c.question.name if c.question else None,
                "request": c.request,
                "requested_at": c.requested_at,
                "response": c.response,
                "responded_at": c.responded_at,
            }
            for c in found.clarifications.select_related("question")
        ],
    }


@router.get("/rounds/{key}/submissions/{country}", response=SubmissionOut, auth=AUTH)
def submission(request: HttpRequest, key: str, country: str) -> dict[str, Any]:
    """A State's reply (its secretariat and its national coordinators): answers with what was
    pre-filled and from where, the required questions still unanswered, clarifications."""
    return _submission_out(_submission(request, key, country)[1])


def _question(found: Submission, name: str) -> Any:
    question = found.round.version.questions.filter(name=name).first()
    if question is None:
        raise ApplicationError(_("{}: not a question of this round.").format(name), code="invalid")
    return question


@router.put("/rounds/{key}/submissions/{country}/answers/{name}", response=SubmissionOut, auth=AUTH)
def answer_put(
    request: HttpRequest, key: str, country: str, name: str, payload: AnswerIn
) -> dict[str, Any]:
    """One answer of the State's national coordinator (`reason` when a pre-filled answer is
    changed); 400 naming the question and the problem."""
    user, found = _submission(request, key, country)
    services.answer_save(
        actor=user,
        submission=found,
        question=_question(found, name),
        value=payload.value,
        reason=payload.reason,
    )
    return _submission_out(selectors.submission_get(user=user, round_=found.round, country=country))


@router.post("/rounds/{key}/submissions/{country}/submit", response=SubmissionOut, auth=AUTH)
def submission_submit(request: HttpRequest, key: str, country: str) -> dict[str, Any]:
    user, found = _submission(request, key, country)
    return _submission_out(services.submission_submit(actor=user, submission=found))


@router.post(
    "/rounds/{key}/submissions/{country}/clarifications",
    response={201: SubmissionOut},
    auth=AUTH,
)
def clarification_new(
    request: HttpRequest, key: str, country: str, payload: ClarificationIn
) -> Status[dict[str, Any]]:
    """The secretariat asks about a submitted reply (a question by name, or the whole)."""
    user, found = _submission(request, key, country)
    question = _question(found, payload.question) if payload.question else None
    services.clarification_request(
        actor=user, submission=found, request=payload.request, question=question
    )
    found.refresh_from_db()
    return Status(201, _submission_out(found))


@router.post(
    "/rounds/{key}/submissions/{country}/clarifications/{number}/response",
    response=SubmissionOut,
    auth=AUTH,
)
def clarification_response(
    request: HttpRequest, key: str, country: str, number: int, payload: ResponseIn
) -> dict[str, Any]:
    user, found = _submission(request, key, country)
    clarification = found.clarifications.filter(pk=number).first()
    if clarification is None:
        raise ApplicationError(
            _("No clarification {} on this reply.").format(number), code="not_found"
        )
    services.clarification_respond(
        actor=user, clarification=clarification, response=payload.response
    )
    return _submission_out(found)


@router.post("/rounds/{key}/submissions/{country}/accept", response=SubmissionOut, auth=AUTH)
def submission_accept(request: HttpRequest, key: str, country: str) -> dict[str, Any]:
    user, found = _submission(request, key, country)
    return _submission_out(services.submission_accept(actor=user, submission=found))


@router.post("/rounds/{key}/submissions/{country}/return", response=SubmissionOut, auth=AUTH)
def submission_return(
    request: HttpRequest, key: str, country: str, payload: RoundReasonIn
) -> dict[str, Any]:
    """The secretariat sends a submitted or accepted reply back to its State."""
    user, found = _submission(request, key, country)
    return _submission_out(
        services.submission_return(actor=user, submission=found, reason=payload.reason)
    )


# --- coding -----------------------------------------------------------------------------------


def _codebook_out(book: Codebook) -> dict[str, Any]:
    return {
        "questionnaire": book.questionnaire.key,
        "version": book.version,
        "codes": [
            {"key": c.key, "label": c.label, "question": c.question, "description": c.description}
            for c in book.codes.all()
        ],
    }


@router.post("/questionnaires/{key}/codebooks", response={201: CodebookOut}, auth=AUTH)
def codebook_new(request: HttpRequest, key: str, payload: CodebookIn) -> Status[dict[str, Any]]:
    """A new version of the questionnaire's codebook of themes (its secretariat only)."""
    user = api_user(request)
    q = selectors.questionnaire_get(user=user, key=key)
    book = services.codebook_create(
        actor=user, questionnaire=q, codes=[c.dict() for c in payload.codes]
    )
    return Status(201, _codebook_out(book))


@router.get("/questionnaires/{key}/codebooks/{version}", response=CodebookOut, auth=AUTH)
def codebook(request: HttpRequest, key: str, version: int) -> dict[str, Any]:
    user = api_user(request)
    q = selectors.questionnaire_get(user=user, key=key)
    return _codebook_out(selectors.codebook_get(user=user, questionnaire=q, version=version))


def _coding_target(
    request: HttpRequest, key: str, codebook_version: int, country: str, question: str, code: str
) -> tuple[Any, Round, Codebook, Answer, Code]:
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    book = selectors.codebook_get(
        user=user, questionnaire=found.version.questionnaire, version=codebook_version
    )
    theme = book.codes.filter(key=code).first()
    if theme is None:
        raise ApplicationError(_("The codebook has no code {}.").format(code), code="invalid")
    answer = selectors.coded_answer(round_=found, country=country, question=question)
    return user, found, book, answer, theme


@router.post("/rounds/{key}/codings", response={201: CodingOut}, auth=AUTH)
def coding_new(request: HttpRequest, key: str, payload: CodingIn) -> Status[dict[str, Any]]:
    """A coder tags a passage of a State's narrative answer with a theme: by its characters
    (`start`, `end`) or by its text (`passage`, its first occurrence)."""
    user, _found, _book, answer, theme = _coding_target(
        request, key, payload.codebook, payload.country, payload.question, payload.code
    )
    if payload.start is not None and payload.end is not None:
        tag = services.coding_add(
            actor=user, answer=answer, code=theme, start=payload.start, end=payload.end
        )
    else:
        tag = services.coding_add_passage(
            actor=user, answer=answer, code=theme, passage=payload.passage
        )
    return Status(
        201,
        {
            "id": tag.pk,
            "country": answer.submission.country_id,
            "question": answer.question.name,
            "code": theme.key,
            "coder": user.username,
            "start": tag.start,
            "end": tag.end,
            "passage": tag.passage,
        },
    )


@router.post("/rounds/{key}/decisions", response={201: ThemeOut}, auth=AUTH)
def decision_new(request: HttpRequest, key: str, payload: DecisionIn) -> Status[dict[str, Any]]:
    """Where the coders disagree: whether the State's answer carries the theme, and why; the
    theme's count as it stands then."""
    user, found, book, answer, theme = _coding_target(
        request, key, payload.codebook, payload.country, payload.question, payload.code
    )
    services.coding_decide(
        actor=user, answer=answer, code=theme, applies=payload.applies, reason=payload.reason
    )
    counted = next(t for t in theme_counts(found, book) if t.code == theme.key)
    return Status(201, _theme_out(found, counted, "en"))


def _theme_out(found: Round, theme: Any, lang: str) -> dict[str, Any]:
    return {
        "code": theme.code,
        "label": theme.label,
        "countries": theme.countries,
        "text": country_list(theme.countries, as_of=found.as_of, language=lang),
        "passages": theme.passages,
        "unresolved": theme.unresolved,
    }


@router.get("/rounds/{key}/themes", response=list[ThemeOut], auth=AUTH)
def themes(
    request: HttpRequest, key: str, codebook: int = 0, lang: str = "en"
) -> list[dict[str, Any]]:
    """Each theme of the codebook with the States whose answers carry it (`text`: their list in
    UN style as at the round's date, in `lang`), the passages behind them, and the States on
    which the coders disagree without a decision."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    book = selectors.codebook_get(
        user=user, questionnaire=found.version.questionnaire, version=codebook
    )
    language = language_of(lang)
    return [_theme_out(found, t, language) for t in theme_counts(found, book)]


@router.get("/rounds/{key}/agreement", response=AgreementOut, auth=AUTH)
def coders_agreement(
    request: HttpRequest, key: str, coders: str, codebook: int = 0
) -> dict[str, Any]:
    """Two coders' agreement (`coders`: two usernames separated by a comma): Cohen's kappa over
    every unit (answer and theme) and per theme, and the units they disagree on."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    book = selectors.codebook_get(
        user=user, questionnaire=found.version.questionnaire, version=codebook
    )
    names = [n.strip() for n in coders.split(",") if n.strip()]
    people = {u.username: u.pk for u in User.objects.filter(username__in=names)}
    if len(names) != 2 or set(names) - set(people):  # noqa: PLR2004 - two coders
        raise ApplicationError(_("coders: two usernames separated by a comma."), code="invalid")
    result = agreement(found, book, (people[names[0]], people[names[1]]))
    return {
        "coders": list(result.coders),
        "units": result.units,
        "kappa": result.kappa,
        "by_code": result.by_code,
        "disagreements": [
            {"country": u.country, "question": u.question, "code": u.code, "first": a, "second": b}
            for u, a, b in result.disagreements
        ],
    }


router.add_router("", plans_router)
router.add_router("", reports_router)
