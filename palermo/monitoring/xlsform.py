"""Questionnaires as XLSForms: read one (pyxform checks it as KoboToolbox and ODK would), write
a version back as one.

An XLSForm is a workbook with a `survey` sheet (type, name, label, hint, required, relevant,
constraint ...), a `choices` sheet and a `settings` sheet. Palermo reads:

- `begin group` ... `end group` as a section; `note`, `text`, `integer`, `decimal`, `date`,
  `file`, `select_one LIST` and `select_multiple LIST` as those kinds of question;
- `select_one` of a list whose choices are exactly `yes` and `no` as a yes/no question, and
  `select_multiple countries` (choices named by ISO 3166-1 alpha-3 codes) as a list of
  countries, whose choices are the registry's States: `write_xlsform` writes both back so;
- labels, hints and constraint messages in several languages (`label::French (fr)`), stored by
  language code; a label without a language is in the form's default language;
- the extra column `palermo_indicator`: the code of the statistics indicator a number answers
  (its answer is pre-filled from the State's published figure), and `palermo_prefill`: where
  else the answer is pre-filled from (`prefill.SOURCES`: `party:INSTRUMENT`, `legislation`),
  and `palermo_need`: what a yes or a choice says the State needs (`needs`: a theme of the
  clearing house, and a profession).

Metadata a phone fills in itself (`start`, `end`, `today`, `deviceid` ...) and KoboToolbox's
version stamps (`calculate` rows named `__version__`, `_version_`) are left out; any
other type (repeats, locations, pictures, calculations ...) is refused by name, as is anything
pyxform refuses (with its row and reason) and a `relevant` or `constraint` Palermo cannot
evaluate (`expressions`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pycountry
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook  # type: ignore[import-untyped]
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from palermo.core.errors import ApplicationError
from palermo.monitoring.choices import NUMERIC, QuestionKind
from palermo.monitoring.countrylists import LANGUAGES as UN_LANGUAGES
from palermo.monitoring.countrylists import known_codes, state_name
from palermo.monitoring.expressions import ExpressionError, parse

COUNTRIES_LIST = "countries"
YES_NO_LIST = "yes_no"
INDICATOR_COLUMN = "palermo_indicator"
PREFILL_COLUMN = "palermo_prefill"
NEED_COLUMN = "palermo_need"
MAX_BYTES = 10 * 1024 * 1024
# What a phone records by itself: nothing a State answers.
_METADATA = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "username",
        "email",
        "phonenumber",
        "subscriberid",
        "simserial",
        "audit",
        "start-geopoint",
    }
)
_KINDS = {
    "note": QuestionKind.NOTE,
    "text": QuestionKind.TEXT,
    "integer": QuestionKind.INTEGER,
    "decimal": QuestionKind.DECIMAL,
    "date": QuestionKind.DATE,
    "file": QuestionKind.FILE,
    "select one": QuestionKind.SELECT_ONE,
    "select all that apply": QuestionKind.SELECT_MULTIPLE,
    "group": QuestionKind.SECTION,
}
_TRUE = frozenset({"yes", "true", "true()", "1"})
_LANGUAGE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\)$")


@dataclass
class QuestionPlan:
    """One row of the survey, as Palermo keeps it (`section` is the name of its section)."""

    name: str
    kind: str
    section: str | None
    label: dict[str, str] = field(default_factory=dict)
    hint: dict[str, str] = field(default_factory=dict)
    relevance: str = ""
    constraint: str = ""
    constraint_message: dict[str, str] = field(default_factory=dict)
    required: bool = False
    choice_list: str = ""
    indicator: str = ""
    prefill: str = ""
    need: str = ""


@dataclass
class ChoicePlan:
    list_name: str
    name: str
    label: dict[str, str]


@dataclass
class FormPlan:
    """What an XLSForm holds, checked: its settings, questions in order and choices."""

    title: str
    form_id: str
    default_language: str
    languages: list[str]
    questions: list[QuestionPlan]
    choices: list[ChoicePlan]
    warnings: list[str]


def refused(name: str, reason: str) -> ApplicationError:
    """A form refused: \"name: reason\" (the file or the question)."""
    return ApplicationError(_("{}: {}").format(name, reason), code="invalid_xlsform")


def language_code(label_language: str) -> str:
    """The code of an XLSForm label language: "French (fr)" -> "fr", "Arabic" -> "ar";
    ApplicationError when it names no language."""
    found = _LANGUAGE.match(label_language.strip())
    if found is not None:
        return found.group("code").lower()
    language = pycountry.languages.get(name=label_language.strip())
    if language is None or not getattr(language, "alpha_2", ""):
        raise ApplicationError(
            _(
                "the label language '{}' is not a language: write it as 'Name (code)', such as "
                "'French (fr)'"
            ).format(label_language),
            code="invalid_xlsform",
        )
    return str(language.alpha_2)


def language_label(code: str) -> str:
    """How an XLSForm names a language: "French (fr)"."""
    language = pycountry.languages.get(alpha_2=code) or pycountry.languages.get(alpha_3=code)
    name = str(language.name) if language is not None else code
    return "{} ({})".format(name, code)


def _texts(value: Any, default: str) -> dict[str, str]:
    """A label, hint or message by language code (a plain text is in the default language)."""
    if value is None or value == "":
        return {}
    if isinstance(value, Mapping):
        out = {}
        for lang, text in value.items():
            code = default if lang == "default" else language_code(str(lang))
            if str(text).strip():
                out[code] = str(text)
        return out
    return {default: str(value)}


def _walk(
    children: list[dict[str, Any]], section: str | None
) -> Iterator[tuple[dict[str, Any], str | None]]:
    for child in children:
        yield child, section
        if child.get("type") == "group" and not child.get("control", {}).get("bodyless"):
            yield from _walk(child.get("children", []), child["name"])


def _question(
    row: dict[str, Any], section: str | None, default: str, lists: dict[str, list[dict[str, Any]]]
) -> QuestionPlan | None:
    kind_name = str(row.get("type", ""))
    name = str(row.get("name", ""))
    if kind_name in _METADATA or (kind_name == "calculate" and name.startswith("_")):
        return None  # a phone's metadata, or KoboToolbox's stamp of the form's version
    kind = _KINDS.get(kind_name)
    if kind is None:
        raise refused(
            name,
            _("the type '{}' is not one Palermo's questionnaires take").format(kind_name),
        )
    bind = row.get("bind", {})
    plan = QuestionPlan(
        name=name,
        kind=kind,
        section=section,
        label=_texts(row.get("label"), default),
        hint=_texts(row.get("hint"), default),
        relevance=str(bind.get("relevant", "")),
        constraint=str(bind.get("constraint", "")),
        constraint_message=_texts(bind.get("jr:constraintMsg"), default),
        required=str(bind.get("required", "")).strip().lower() in _TRUE,
        choice_list=str(row.get("list_name", "") or row.get("itemset", "")),
        indicator=str(row.get(INDICATOR_COLUMN, "") or "").strip(),
        prefill=str(row.get(PREFILL_COLUMN, "") or "").strip(),
        need=str(row.get(NEED_COLUMN, "") or "").strip(),
    )
    names = {str(c["name"]) for c in lists.get(plan.choice_list, [])}
    if kind == QuestionKind.SELECT_ONE and names == {"yes", "no"}:
        plan.kind = QuestionKind.YES_NO
    elif kind == QuestionKind.SELECT_MULTIPLE and plan.choice_list == COUNTRIES_LIST:
        unknown = sorted(names - known_codes())
        if unknown:
            raise refused(
                name,
                _("the list countries holds codes that name no State: {}").format(
                    ", ".join(unknown)
                ),
            )
        plan.kind = QuestionKind.COUNTRY_LIST
    if plan.kind not in (QuestionKind.SELECT_ONE, QuestionKind.SELECT_MULTIPLE):
        plan.choice_list = ""
    if plan.indicator and plan.kind not in NUMERIC:
        raise refused(name, _("only a whole number or a number answers a statistics indicator"))
    if plan.kind not in (QuestionKind.SECTION, QuestionKind.NOTE) and not plan.label:
        raise refused(name, _("the question has no label"))
    for column, text in (("relevant", plan.relevance), ("constraint", plan.constraint)):
        try:
            parse(text)
        except ExpressionError as exc:
            raise refused(name, "{}: {}".format(column, exc)) from None
    return plan


def read_xlsform(data: bytes, file_name: str) -> FormPlan:
    """An XLSForm (.xlsx) read and checked; ApplicationError naming the first problem."""
    if not data:
        raise refused(file_name, _("the file is empty"))
    if len(data) > MAX_BYTES:
        raise refused(file_name, _("the file is over {} MB").format(MAX_BYTES // (1024 * 1024)))
    if not file_name.lower().endswith(".xlsx") or not data.startswith(b"PK\x03\x04"):
        raise refused(file_name, _("an XLSForm is an Excel workbook (.xlsx)"))
    warnings: list[str] = []
    try:
        result = convert(
            xlsform=io.BytesIO(data), warnings=warnings, validate=False, file_type=".xlsx"
        )
    except PyXFormError as exc:
        raise refused(file_name, str(exc)) from None
    except Exception:  # noqa: BLE001 - a workbook openpyxl cannot read at all: its details help no one
        raise refused(file_name, _("not an Excel workbook (.xlsx) that can be read")) from None
    form: dict[str, Any] = result._pyxform  # noqa: SLF001 - pyxform's parsed form, the documented way to the JSON
    settings_language = str(form.get("default_language", "") or "default")
    default = "en" if settings_language == "default" else language_code(settings_language)
    lists: dict[str, list[dict[str, Any]]] = form.get("choices", {}) or {}
    questions = []
    for row, section in _walk(form.get("children", []), None):
        if row.get("type") == "repeat":
            raise refused(
                str(row.get("name")), _("repeats are not taken: ask for a list in a text answer")
            )
        if row.get("control", {}).get("bodyless"):
            continue
        plan = _question(row, section, default, lists)
        if plan is not None:
            questions.append(plan)
    if not any(q.kind not in (QuestionKind.SECTION, QuestionKind.NOTE) for q in questions):
        raise refused(file_name, _("the form asks no question"))
    used = {q.choice_list for q in questions if q.choice_list}
    choices = [
        ChoicePlan(list_name, str(item["name"]), _texts(item.get("label"), default))
        for list_name, items in lists.items()
        if list_name in used
        for item in items
    ]
    languages = sorted(
        {lang for q in questions for lang in [*q.label, *q.hint, *q.constraint_message]}
        | {lang for c in choices for lang in c.label}
        | {default}
    )
    return FormPlan(
        title=str(form.get("title") or form.get("id_string") or file_name),
        form_id=str(form.get("id_string") or ""),
        default_language=default,
        languages=languages,
        questions=questions,
        choices=choices,
        warnings=warnings,
    )


# --- writing -------------------------------------------------------------------------------------


def _yes_no_labels(languages: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    yes, no = {}, {}
    for lang in languages:
        with translation.override("zh-hans" if lang == "zh" else lang):
            yes[lang] = _("Yes")
            no[lang] = _("No")
    return yes, no


def _country_choices(languages: list[str], as_of: dt.date) -> list[ChoicePlan]:
    out = []
    for code in sorted(known_codes()):
        label = {}
        try:
            for lang in languages:
                name = state_name(
                    code, as_of=as_of, language=lang if lang in UN_LANGUAGES else "en"
                )
                label[lang] = name.in_context("list")
        except ApplicationError:
            continue  # no State under this code that day
        out.append(ChoicePlan(COUNTRIES_LIST, code, label))
    return out


def write_xlsform(plan: FormPlan, *, version: int, as_of: dt.date) -> bytes:
    """A questionnaire version as an XLSForm workbook (.xlsx) that pyxform (and so Kobo or ODK)
    reads back to the same questions; countries named as on `as_of`."""
    languages = plan.languages
    text_columns = [("label", lang) for lang in languages] + [("hint", lang) for lang in languages]
    message_columns = [("constraint_message", lang) for lang in languages]
    header = [
        "type",
        "name",
        *("{}::{}".format(col, language_label(lang)) for col, lang in text_columns),
        "required",
        "relevant",
        "constraint",
        *("{}::{}".format(col, language_label(lang)) for col, lang in message_columns),
        INDICATOR_COLUMN,
        PREFILL_COLUMN,
        NEED_COLUMN,
    ]
    book = Workbook()
    survey = book.active  # a new workbook's one sheet
    survey.title = "survey"
    survey.append(header)
    lists = {c.list_name for c in plan.choices}
    choices = list(plan.choices)
    open_sections: list[str] = []

    def close_to(section: str | None) -> None:
        while open_sections and open_sections[-1] != section:
            survey.append(["end group", open_sections.pop()])

    for q in plan.questions:
        close_to(q.section)
        if q.kind == QuestionKind.SECTION:
            kind = "begin group"
            open_sections.append(q.name)
        elif q.kind == QuestionKind.YES_NO:
            kind = "select_one {}".format(YES_NO_LIST)
        elif q.kind == QuestionKind.COUNTRY_LIST:
            kind = "select_multiple {}".format(COUNTRIES_LIST)
        elif q.kind in (QuestionKind.SELECT_ONE, QuestionKind.SELECT_MULTIPLE):
            kind = "{} {}".format(q.kind, q.choice_list)
        else:
            kind = str(q.kind)
        texts = {"label": q.label, "hint": q.hint, "constraint_message": q.constraint_message}
        survey.append(
            [
                kind,
                q.name,
                *(texts[col].get(lang, "") for col, lang in text_columns),
                "yes" if q.required else "",
                q.relevance,
                q.constraint,
                *(texts[col].get(lang, "") for col, lang in message_columns),
                q.indicator,
                q.prefill,
                q.need,
            ]
        )
    close_to(None)
    kinds = {q.kind for q in plan.questions}
    if QuestionKind.YES_NO in kinds and YES_NO_LIST not in lists:
        yes, no = _yes_no_labels(languages)
        choices += [ChoicePlan(YES_NO_LIST, "yes", yes), ChoicePlan(YES_NO_LIST, "no", no)]
    if QuestionKind.COUNTRY_LIST in kinds and COUNTRIES_LIST not in lists:
        choices += _country_choices(languages, as_of)
    sheet = book.create_sheet("choices")
    sheet.append(
        ["list_name", "name", *("label::{}".format(language_label(lang)) for lang in languages)]
    )
    for c in choices:
        sheet.append([c.list_name, c.name, *(c.label.get(lang, "") for lang in languages)])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([plan.title, plan.form_id, str(version), language_label(plan.default_language)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
