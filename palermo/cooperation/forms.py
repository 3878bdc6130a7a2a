"""Forms of the cooperation pages. They parse and check input; services validate, write and audit.

The new-request form is built from what the user chose so far (type, requested state, request
date): its authority choices are the directory entries of that state, the competent ones for the
type first, and its legal-basis choices are the registry's suggestion for the two states on that
date (the instruments both are bound by), else a bilateral agreement or reciprocity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from palermo.cases import sharing
from palermo.cases.models import Case, Person
from palermo.cooperation import choices as c
from palermo.cooperation import files, handling, selectors, services, workflow
from palermo.cooperation.limits import BASIS_MAX, LETTER_MAX, NOTE_MAX, TEXT_MAX
from palermo.cooperation.models import Node, Request
from palermo.core.formfields import MultipleFileField
from palermo.core.models import Organisation, User
from palermo.core.pickers import OrganisationChoiceField, country_options
from palermo.registry.models import DirectoryEntry

BLANK: list[tuple[str, Any]] = [("", "—")]
RS = c.RequestStatus

NO_AUTHORITY = "none"
BILATERAL = c.LegalBasisKind.BILATERAL.value
RECIPROCITY = c.LegalBasisKind.RECIPROCITY.value


class Form(forms.Form):
    """Marks required fields and fields in error with CSS classes; labels without a colon."""

    required_css_class = "required"
    error_css_class = "has-error"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _text(label: Any, *, required: bool = False, rows: int = 3, **kw: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), **kw
    )


def set_choices(field: forms.Field, choices: list[tuple[str, str]]) -> None:
    cast(forms.ChoiceField, field).choices = choices


class NodeField(forms.ModelChoiceField[Node]):
    def label_from_instance(self, obj: Node) -> str:
        return "{} ({})".format(obj.name, obj.country.name) if obj.country else obj.name


class CaseField(forms.ModelChoiceField[Case]):
    def label_from_instance(self, obj: Case) -> str:
        return sharing.case_label(obj)


def country_choices() -> list[tuple[str, str]]:
    """Current countries by name in the user's language (and its order), keyed by ISO alpha-3."""
    return BLANK + country_options()


def authority_label(entry: DirectoryEntry) -> str:
    unit = " - {}".format(entry.unit) if entry.unit else ""
    return "{}{} ({})".format(entry.organisation.name, unit, entry.get_role_display())


# --- lists ---------------------------------------------------------------------------------------


class RequestFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=BLANK + list(RS.choices))
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=BLANK + list(c.RequestType.choices)
    )
    country = forms.ChoiceField(label=_("Country"), required=False, choices=[])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["country"], country_choices())

    def filters(self) -> dict[str, Any]:
        """Valid filters only: an unknown value is ignored, never an error page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q", ""),
            "status": data.get("status", ""),
            "type": data.get("type", ""),
            "country": data.get("country", ""),
            "overdue": bool(data.get("overdue")),
        }


class DeadlineForm(Form):
    days = forms.TypedChoiceField(
        label=_("Show the next"),
        coerce=int,
        choices=[(7, _("7 days")), (14, _("14 days")), (30, _("30 days"))],
        initial=7,
        required=False,
    )


class StatisticsForm(Form):
    date_from = forms.DateField(label=_("Sent from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Sent until"), required=False, widget=DateInput)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=BLANK + list(c.RequestType.choices)
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


# --- the new request -----------------------------------------------------------------------------


class RequestForm(Form):
    """A draft request: the requested authority, the subject, and the legal basis it relies on."""

    type = forms.ChoiceField(
        label=_("Type of request"), choices=BLANK + list(c.RequestType.choices)
    )
    requested_country = forms.ChoiceField(label=_("Requested state"), choices=[])
    requested_authority = forms.ChoiceField(
        label=_("Requested authority"),
        required=False,
        choices=[],
        help_text=_(
            "From the registry directory, the competent authorities for this type first. "
            "Without one, the national coordinators of that state assign the request."
        ),
    )
    node = NodeField(
        label=_("Sent through the node"),
        queryset=Node.objects.none(),
        empty_label="—",
        error_messages={"required": _("Choose the node the request travels to.")},
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    description = _text(_("Description"), rows=6, max_length=LETTER_MAX)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=c.Urgency.choices, initial=c.Urgency.NORMAL
    )
    due_date = forms.DateField(label=_("Answer due by"), required=False, widget=DateInput)
    request_date = forms.DateField(
        label=_("Request date"),
        widget=DateInput,
        initial=timezone.localdate,
        help_text=_(
            "The legal basis is suggested for this day; Palermo records the suggestion again "
            "on the day the request is sent."
        ),
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        widget=forms.RadioSelect,
        choices=[],
        error_messages={
            "required": _(
                "Choose the legal basis: a suggested treaty, a bilateral agreement or reciprocity."
            ),
            "invalid_choice": _(
                "That legal basis is not among the choices for these states on this date: "
                "choose again."
            ),
        },
    )
    legal_basis_text = forms.CharField(
        label=_("Bilateral agreement or arrangement (name and date)"),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args: Any, requesting_country: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requesting_country = requesting_country
        set_choices(self.fields["requested_country"], country_choices())
        active = Node.objects.filter(active=True).select_related("country")
        cast(NodeField, self.fields["node"]).queryset = active
        type_ = self._value("type")
        country = self._value("requested_country").upper()
        self.authorities = selectors.authority_candidates(type_=type_, country=country)
        auth_choices: list[tuple[str, str]] = [
            (NO_AUTHORITY, str(_("None in the directory: the national coordinators assign it")))
        ]
        auth_choices += [
            (str(e.pk), "{}{}".format(authority_label(e), " ★" if competent else ""))
            for e, competent in self.authorities
        ]
        set_choices(self.fields["requested_authority"], auth_choices)
        # Not chosen yet, or chosen for another state: the most competent one.
        source = self.data if self.is_bound else self.initial
        built_for = str(source.get("authority_for", country))
        if built_for.upper() != country or self._value("requested_authority") not in {
            v for v, _l in auth_choices
        }:
            self._default(
                "requested_authority", auth_choices[1][0] if self.authorities else NO_AUTHORITY
            )
        # No peer at all: the page explains how one is registered instead of an empty list.
        self.nodes_registered = active.exists()
        nodes = list(active.filter(country_id=country)) if country else []
        self.country_nodes = nodes
        if len(nodes) == 1 and not self._value("node"):
            self._default("node", str(nodes[0].pk))
        self.suggestion = self._suggest(type_, country)
        set_choices(self.fields["legal_basis"], self.basis_choices())

    def _default(self, name: str, value: str) -> None:
        """Preselect `value` for a field the user has not chosen (also in a bound form)."""
        self.initial[name] = value
        if self.is_bound:
            data = cast(Any, self.data).copy()
            data[self.add_prefix(name)] = value
            self.data = data

    def _value(self, name: str) -> str:
        """The value chosen so far (posted, or the initial one)."""
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "") or "").strip()
        value = self.initial.get(name, self.fields[name].initial)
        if callable(value):
            value = value()
        return "" if value is None else str(value)

    def request_day(self) -> dt.date:
        text = self._value("request_date")
        try:
            return dt.date.fromisoformat(text) if text else timezone.localdate()
        except ValueError:
            return timezone.localdate()

    def _suggest(self, type_: str, country: str) -> dict[str, Any] | None:
        if type_ not in c.RequestType.values or not country:
            return None
        return selectors.legal_basis_suggest(
            type=type_, requesting=self.requesting_country, requested=country, on=self.request_day()
        )

    def basis_choices(self) -> list[tuple[str, str]]:
        options: list[tuple[str, str]] = []
        for s in (self.suggestion or {}).get("suggestions", []):
            options.append(
                (
                    "{}:{}".format(s["instrument"], s["article"]),
                    "{} {} ({})".format(s["short_name"], s["article"], s["note"]),
                )
            )
        options.append((BILATERAL, str(_("Bilateral agreement or arrangement"))))
        options.append((RECIPROCITY, str(_("Reciprocity (no treaty applies)"))))
        return options

    def clean_due_date(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("due_date")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("The due date is in the past."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        basis = data.get("legal_basis")
        if basis == BILATERAL and not data.get("legal_basis_text", "").strip():
            self.add_error(
                "legal_basis_text", _("Name the bilateral agreement or arrangement relied on.")
            )
        return data

    def legal_basis_choice(self) -> workflow.LegalBasisChoice:
        basis = self.cleaned_data["legal_basis"]
        if basis == BILATERAL:
            return workflow.legal_basis_parse(
                "{}:{}".format(BILATERAL, self.cleaned_data["legal_basis_text"])
            )
        return workflow.legal_basis_parse(basis)

    def authority(self) -> DirectoryEntry | None:
        pk = self.cleaned_data.get("requested_authority") or NO_AUTHORITY
        return next((e for e, _c in self.authorities if str(e.pk) == pk), None)

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments of request_create / request_update."""
        d = self.cleaned_data
        authority = self.authority()
        return {
            "type": d["type"],
            "subject": d["subject"],
            "description": d["description"],
            "urgency": d["urgency"],
            "due_date": d["due_date"],
            "node": d["node"],
            "requested_authority": authority,
            "requested_organisation": authority.organisation if authority else None,
            "requested_country": d["requested_country"],
        }

    @classmethod
    def initial_for(cls, request: Request) -> dict[str, Any]:
        basis = ""
        if (
            request.legal_basis_kind == c.LegalBasisKind.INSTRUMENT
            and request.legal_basis_instrument
        ):
            basis = "{}:{}".format(request.legal_basis_instrument.slug, request.legal_basis_article)
        elif request.legal_basis_kind:
            basis = request.legal_basis_kind
        return {
            "type": request.type,
            "requested_country": request.requested_country_id or "",
            "requested_authority": str(request.requested_authority_id or NO_AUTHORITY),
            "node": request.node_id,
            "subject": request.subject,
            "description": request.description,
            "urgency": request.urgency,
            "due_date": request.due_date,
            "legal_basis": basis,
            "legal_basis_text": request.legal_basis_text
            if request.legal_basis_kind == c.LegalBasisKind.BILATERAL
            else "",
        }


# --- the request page ----------------------------------------------------------------------------

TRANSITION_LABELS: dict[str, Any] = {
    RS.ACCEPTED: _("Accept"),
    RS.MORE_INFO_REQUESTED: _("Ask for more information"),
    RS.EXECUTED: _("Executed"),
    RS.PARTIALLY_EXECUTED: _("Partially executed"),
    RS.REFUSED: _("Refuse"),
    RS.WITHDRAWN: _("Withdraw"),
    RS.CLOSED: _("Close"),
    RS.RECEIVED: _("Information provided"),
}


class TransitionForm(Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=list(RS.choices))
    note = _text(_("Note (goes to the other side)"), rows=2, max_length=TEXT_MAX)
    refusal_ground = forms.ChoiceField(
        label=_("Ground for refusal"),
        required=False,
        choices=BLANK + list(c.RefusalGround.choices),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to_status") == RS.REFUSED:
            if not data.get("refusal_ground"):
                self.add_error("refusal_ground", _("A refusal needs its ground."))
            if not data.get("note", "").strip():
                self.add_error("note", _("A refusal needs its grounds stated in full."))
        return data


class HandlingFields(Form):
    """The originator's evaluation and handling restrictions of what is sent."""

    source_reliability = forms.ChoiceField(
        label=_("Source reliability"),
        choices=c.SourceReliability.choices,
        initial=c.SourceReliability.X,
    )
    information_assessment = forms.ChoiceField(
        label=_("Information assessment"),
        choices=c.InformationAssessment.choices,
        initial=c.InformationAssessment.FOUR,
    )
    handling_codes = forms.MultipleChoiceField(
        label=_("Handling restrictions"),
        required=False,
        choices=c.HandlingCode.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def handling(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "source_reliability": d["source_reliability"],
            "information_assessment": d["information_assessment"],
            "handling_codes": list(d["handling_codes"]),
        }


class MessageForm(HandlingFields):
    body = _text(_("Message"), rows=4, max_length=LETTER_MAX)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    field_order = [
        "body",
        "attachments",
        "source_reliability",
        "information_assessment",
        "handling_codes",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uploads = data.get("attachments") or []
        if not data.get("body", "").strip() and not uploads:
            self.add_error("body", _("Write a message or attach a file."))
        total = sum(u.size or 0 for u in uploads)
        limit = files.max_attachment_bytes()
        if total > limit:
            self.add_error(
                "attachments",
                _(
                    "The files of one message may be at most {} KiB together (these are {} KiB)."
                ).format(limit // 1024, -(-total // 1024)),
            )
        return data

    def new_attachments(self) -> list[services.NewAttachment]:
        return [
            services.NewAttachment(
                u.name or "file", u.content_type or "application/octet-stream", u.read()
            )
            for u in self.cleaned_data.get("attachments") or []
        ]


class CaseShareForm(HandlingFields):
    """Exactly which fields of a case go with a message; one checkbox per field and person."""

    body = _text(_("Message"), rows=3, max_length=LETTER_MAX)
    case_fields = forms.MultipleChoiceField(
        label=_("Case fields"),
        required=False,
        choices=sharing.case_field_choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
    )
    legal_basis = _text(
        _("Legal basis for sharing identifying data without consent"),
        rows=2,
        max_length=BASIS_MAX,
        help_text=_(
            "Only needed for a victim's identity or contact details when the person has not "
            "consented to data sharing."
        ),
    )

    field_order = ["body", "case_fields"]

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.persons = sharing.case_persons(case)
        self.person_groups: list[tuple[Person, list[tuple[str, Any, str]]]] = []
        for person in self.persons:
            groups = []
            for key, label, names in sharing.PERSON_FIELD_GROUPS:
                name = "p-{}-{}".format(person.pseudonym, key)
                self.fields[name] = forms.MultipleChoiceField(
                    label=label,
                    required=False,
                    choices=[(n, sharing.person_field_label(n)) for n in names],
                    widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
                )
                groups.append((name, label, key))
            self.person_groups.append((person, groups))

    def person_fields(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for person, groups in self.person_groups:
            chosen: list[str] = []
            for name, _label, _key in groups:
                chosen += self.cleaned_data.get(name) or []
            if chosen:
                out[person.pseudonym] = tuple(chosen)
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("case_fields") and not any(
            data.get(name) for _p, groups in self.person_groups for name, _l, _k in groups
        ):
            self.add_error(None, _("Choose at least one field to share."))
        return data

    def spec(self) -> sharing.ExtractSpec:
        return sharing.ExtractSpec(
            case=self.case,
            case_fields=tuple(self.cleaned_data["case_fields"]),
            persons=self.person_fields(),
            legal_basis=self.cleaned_data["legal_basis"],
        )


class CaseChoiceForm(Form):
    case = CaseField(
        label=_("Case"),
        queryset=Case.objects.none(),
        empty_label="—",
        error_messages={"required": _("Choose the case to share from.")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the organisation holding a case shares it.
        cast(CaseField, self.fields["case"]).queryset = sharing.shareable_cases(user)


class RevealForm(Form):
    reason = forms.CharField(label=_("Why do you need to see this case extract?"), max_length=500)


class ForwardForm(Form):
    to_request = forms.ChoiceField(label=_("Forward to the request"), choices=[])
    note = _text(_("Note"), rows=2, max_length=NOTE_MAX)

    def __init__(self, *args: Any, requests: QuerySet[Request], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requests = {str(r.pk): r for r in requests}
        set_choices(
            self.fields["to_request"],
            BLANK
            + [
                (pk, "{} {}".format(r.local_reference, r.subject))
                for pk, r in self.requests.items()
            ],
        )

    def target(self) -> Request:
        return self.requests[self.cleaned_data["to_request"]]


class ShareMessageForm(Form):
    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label="—"
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(
        self, *args: Any, user: User, law_enforcement_only: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, OrganisationChoiceField)  # noqa: S101 - declared above
        qs = Organisation.objects.exclude(pk=user.organisation_id or 0).order_by("name")
        if law_enforcement_only:  # the originator's code: government agencies only
            qs = qs.filter(kind__in=handling.LAW_ENFORCEMENT_KINDS)
            field.help_text = _("Marked law enforcement only: government agencies only.")
        field.queryset = qs


class AssignForm(Form):
    organisation = OrganisationChoiceField(
        label=_("Authority here"), queryset=Organisation.objects.none(), empty_label="—"
    )

    def __init__(self, *args: Any, country: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, OrganisationChoiceField)  # noqa: S101 - declared above
        qs = Organisation.objects.order_by("name")
        field.queryset = qs.filter(country_id=country) if country else qs


class ExportForm(Form):
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[("record", _("For the record")), ("court", _("For use in court"))],
    )
