"""Writing a decision by hand on a page (issue 17): the form, its findings, and the decision
as the case-law file holds it (`schemas.CourtDecisionIn`), so that a decision written on the
page is checked and written by the same import as a file (`services.decisions_import`): one
transaction, every problem named, the decision replaced whole by its key.

Editing starts from the decision as exported (`interchange.decision_json`); what the page does
not show (summaries in other languages, sources after the first, a finding's link to the
registry's legislation and its notes, victims' and applicants' roles) is kept as it was. A
decision written on the page is a draft until it is published again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from palermo.caselaw import choices as c
from palermo.caselaw.models import Keyword
from palermo.caselaw.schemas import FORMAT
from palermo.cases.htcds import TypeOfExploitation
from palermo.core.pickers import country_options

ROLES = (c.CountryRole.ORIGIN, c.CountryRole.TRANSIT, c.CountryRole.DESTINATION)
MONEY = ("fine", "confiscation", "compensation_ordered", "compensation_paid")
FINDING_FIELDS = (
    "party",
    "party_role",
    "provision",
    "outcome",
    "custody_months",
    "suspended_months",
    *MONEY,
    "currency",
)


def _countries() -> list[tuple[str, str]]:
    return country_options()


class DecisionForm(forms.Form):
    """What a decision is: its court, number and date, where it stands among appeals, its
    summary in one language, what the court found (forms, elements), the route's countries,
    keywords and a source."""

    key = forms.SlugField(
        label=_("Key"),
        max_length=120,
        help_text=_("Stable and unique, lower case: such as echr-rantsev-2010."),
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    court_name = forms.CharField(label=_("Court"), max_length=300)
    court_country = forms.ChoiceField(label=_("Country of the court"), required=False)
    court_mechanism = forms.CharField(
        label=_("Regional mechanism of the court (acronym)"),
        max_length=20,
        required=False,
        help_text=_("For a regional court, such as COE for the European Court of Human Rights."),
    )
    court_level = forms.ChoiceField(label=_("Level of the court"), choices=c.Instance.choices)
    decided_on = forms.DateField(
        label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    case_number = forms.CharField(label=_("Case number"), max_length=120)
    neutral_citation = forms.CharField(label=_("Neutral citation"), max_length=300, required=False)
    instance = forms.ChoiceField(label=_("Instance"), choices=c.Instance.choices)
    appeal_of = forms.SlugField(
        label=_("Appeal of (the key of the decision appealed)"), max_length=120, required=False
    )
    language = forms.ChoiceField(label=_("Language of the summary"), choices=settings.LANGUAGES)
    summary_title = forms.CharField(
        label=_("Title in that language"), max_length=300, required=False
    )
    facts = forms.CharField(
        label=_("Facts (no name of a victim)"), max_length=20_000, widget=forms.Textarea
    )
    reasoning = forms.CharField(
        label=_("Reasoning"), max_length=20_000, required=False, widget=forms.Textarea
    )
    forms_found = forms.MultipleChoiceField(
        label=_("Forms of exploitation"),
        required=False,
        choices=TypeOfExploitation.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    acts = forms.MultipleChoiceField(
        label=_("Acts found"),
        required=False,
        choices=c.Act.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    means = forms.MultipleChoiceField(
        label=_("Means found"),
        required=False,
        choices=c.Means.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    purposes = forms.MultipleChoiceField(
        label=_("Purposes found"),
        required=False,
        choices=c.Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    origin = forms.MultipleChoiceField(label=_("Countries of origin"), required=False)
    transit = forms.MultipleChoiceField(label=_("Countries of transit"), required=False)
    destination = forms.MultipleChoiceField(label=_("Countries of destination"), required=False)
    keywords = forms.MultipleChoiceField(
        label=_("Keywords"), required=False, widget=forms.CheckboxSelectMultiple
    )
    source_title = forms.CharField(label=_("Source: title"), max_length=300, required=False)
    source_url = forms.URLField(label=_("Source: address"), max_length=500, required=False)
    source_locator = forms.CharField(
        label=_("Source: paragraph or page"), max_length=300, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = _countries()
        self.fields["court_country"].choices = [("", _("none: a regional court")), *countries]  # type: ignore[attr-defined]
        for role in ROLES:
            self.fields[role].choices = countries  # type: ignore[attr-defined]
        language = str(self.initial.get("language") or settings.LANGUAGE_CODE)
        self.fields["keywords"].choices = [  # type: ignore[attr-defined]
            (k.code, k.label_in(language)) for k in Keyword.objects.order_by("code")
        ]


class FindingForm(forms.Form):
    """What the court found for one party on one charge, and the sentence."""

    party = forms.CharField(
        label=_("Party (D1, D2 ..., or the State)"), max_length=60, required=False
    )
    party_role = forms.ChoiceField(
        label=_("Role of the party"),
        required=False,
        choices=[
            (c.PartyRole.DEFENDANT, c.PartyRole.DEFENDANT.label),
            (c.PartyRole.RESPONDENT_STATE, c.PartyRole.RESPONDENT_STATE.label),
        ],
    )
    provision = forms.CharField(label=_("Provision applied"), max_length=300, required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", "—"), *c.Outcome.choices]
    )
    custody_months = forms.IntegerField(
        label=_("Custody (months)"), required=False, min_value=0, max_value=1800
    )
    suspended_months = forms.IntegerField(
        label=_("Suspended (months)"), required=False, min_value=0, max_value=1800
    )
    fine = forms.DecimalField(
        label=_("Fine"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    confiscation = forms.DecimalField(
        label=_("Confiscated"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    compensation_ordered = forms.DecimalField(
        label=_("Compensation ordered"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    compensation_paid = forms.DecimalField(
        label=_("Compensation paid"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    currency = forms.RegexField(
        label=_("Currency (ISO 4217)"), regex=r"^[A-Za-z]{3}$", max_length=3, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any(data.get(k) not in (None, "") for k in FINDING_FIELDS if k != "party_role"):
            for name, message in (
                ("party", _("Name the party.")),
                ("provision", _("Give the provision applied.")),
                ("outcome", _("Choose the outcome.")),
            ):
                if not data.get(name):
                    self.add_error(name, message)
            if any(data.get(k) is not None for k in MONEY) and not data.get("currency"):
                self.add_error("currency", _("Give the currency of the amounts."))
        return data


FindingFormSet = forms.formset_factory(FindingForm, extra=2, max_num=200, validate_max=True)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("A case-law file (JSON, palermo-caselaw/1)"))


# --- the form and the decision's JSON ---------------------------------------------------------


def initial(decision: dict[str, Any], language: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The form's and the findings' initial values from a decision as exported; its summary
    in `language` if it has one, else its first."""
    summaries = decision["summaries"]
    summary = next((s for s in summaries if s["language"] == language), summaries[0])
    first: dict[str, Any] = decision["sources"][0] if decision["sources"] else {}
    values: dict[str, Any] = {
        "key": decision["key"],
        "title": decision["title"],
        "court_name": decision["court"]["name"],
        "court_country": decision["court"]["country"] or "",
        "court_mechanism": decision["court"]["mechanism"] or "",
        "court_level": decision["court"]["level"],
        "decided_on": decision["decided_on"],
        "case_number": decision["case_number"],
        "neutral_citation": decision["neutral_citation"],
        "instance": decision["instance"],
        "appeal_of": decision["appeal_of"] or "",
        "language": summary["language"],
        "summary_title": summary["title"],
        "facts": summary["facts"],
        "reasoning": summary["reasoning"],
        "forms_found": decision["forms"],
        "acts": decision["elements"]["acts"],
        "means": decision["elements"]["means"],
        "purposes": decision["elements"]["purposes"],
        "keywords": decision["keywords"],
        "source_title": first.get("title", ""),
        "source_url": first.get("url", ""),
        "source_locator": first.get("locator", ""),
        **{
            role: [r["country"] for r in decision["countries"] if r["role"] == role]
            for role in ROLES
        },
    }
    roles = {p["label"]: p["role"] for p in decision["parties"]}
    findings = [
        {
            **{k: f[k] for k in FINDING_FIELDS if k in f},
            "party_role": roles.get(f["party"], c.PartyRole.DEFENDANT),
        }
        for f in decision["findings"]
    ]
    return values, findings


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def decision_file(
    data: dict[str, Any], findings: list[dict[str, Any]], before: dict[str, Any] | None
) -> dict[str, Any]:
    """The case-law file of the one decision the page wrote: the form's values over what the
    decision was (`before`, when it is edited), the rest of it kept."""
    old = before or {}
    language = data["language"]
    summaries = [s for s in old.get("summaries", []) if s["language"] != language]
    summaries.insert(
        0,
        {
            "language": language,
            "title": data.get("summary_title") or "",
            "facts": data["facts"],
            "reasoning": data.get("reasoning") or "",
        },
    )
    sources = list(old.get("sources", []))
    if data.get("source_title") or data.get("source_url"):
        given = {
            "document": "{}-source".format(data["key"])[:120],
            "locator": data.get("source_locator") or "",
            "title": data.get("source_title") or "",
            "url": data.get("source_url") or "",
        }
        if sources:
            sources[0] = {**sources[0], **{k: v for k, v in given.items() if k != "document"}}
        else:
            sources.append(given)
    kept = {(f["party"], f["provision"]): f for f in old.get("findings", [])}
    rows = [f for f in findings if f.get("party")]
    parties: dict[str, str] = {
        p["label"]: p["role"]
        for p in old.get("parties", [])
        if p["role"] not in (c.PartyRole.DEFENDANT, c.PartyRole.RESPONDENT_STATE)
    }
    for f in rows:
        parties.setdefault(f["party"], f.get("party_role") or c.PartyRole.DEFENDANT)
    return {
        "format": FORMAT,
        "decisions": [
            {
                "key": data["key"],
                "title": data["title"],
                "court": {
                    "name": data["court_name"],
                    "country": data.get("court_country") or None,
                    "mechanism": (data.get("court_mechanism") or "").upper() or None,
                    "level": data["court_level"],
                },
                "decided_on": data["decided_on"].isoformat(),
                "case_number": data["case_number"],
                "neutral_citation": data.get("neutral_citation") or "",
                "instance": data["instance"],
                "appeal_of": data.get("appeal_of") or None,
                "language": old.get("language") or language,
                # Written on the page, a decision is a draft until published again (with the
                # re-identification check and its reason).
                "status": c.Status.DRAFT,
                "forms": data.get("forms_found") or [],
                "elements": {
                    "acts": data.get("acts") or [],
                    "means": data.get("means") or [],
                    "purposes": data.get("purposes") or [],
                },
                "keywords": data.get("keywords") or [],
                "countries": [
                    {"country": code, "role": role}
                    for role in ROLES
                    for code in data.get(role) or []
                ],
                "parties": [{"label": label, "role": role} for label, role in parties.items()],
                "findings": [
                    {
                        "party": f["party"],
                        "provision": f["provision"],
                        "legislation": kept.get((f["party"], f["provision"]), {}).get(
                            "legislation"
                        ),
                        "outcome": f["outcome"],
                        "custody_months": f.get("custody_months"),
                        "suspended_months": f.get("suspended_months"),
                        **{k: _money(f.get(k)) for k in MONEY},
                        "currency": (f.get("currency") or "").upper(),
                        "notes": kept.get((f["party"], f["provision"]), {}).get("notes", ""),
                    }
                    for f in rows
                ],
                "summaries": summaries,
                "sources": sources,
            }
        ],
    }
