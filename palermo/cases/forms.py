"""Forms of the case worker pages. They only parse input; services validate and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases import selectors
from palermo.cases.models import Indicator, IndicatorList, Person
from palermo.cases.services.fields import PROCEEDING_FIELDS
from palermo.core.choices import OrganisationKind
from palermo.core.models import Organisation
from palermo.core.pickers import country_options, language_options
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX
from palermo.registry.models import DirectoryEntry

BLANK: list[tuple[str, Any]] = [("", "—")]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


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


def _date(label: Any, *, required: bool = False, today: bool = False, **kw: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput,
        initial=timezone.localdate if today else None,
        **kw,
    )


def _text(
    label: Any, *, most: int, required: bool = False, rows: int = 3, **kw: Any
) -> forms.CharField:
    """A textarea of at most `most` characters (the model field's limit: maxlength in the page,
    checked again here and by the service)."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=most,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )


def _checkboxes(label: Any, choices: Any, **kw: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
        **kw,
    )


def country_choices() -> list[tuple[str, str]]:
    """Current countries by name in the user's language, keyed by ISO alpha-3."""
    return BLANK + country_options()


def _citizenship() -> forms.MultipleChoiceField:
    """Citizenship: countries (former states too) by name in the user's language."""
    return forms.MultipleChoiceField(
        label=_("Citizenship"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("One or more; hold Ctrl (or Cmd) to choose several."),
    )


def _language(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False)


def set_pickers(form: forms.Form) -> None:
    """Fill the citizenship and language pickers of `form` (names in the user's language)."""
    for name, field in form.fields.items():
        if name == "citizenship":
            field.choices = country_options(historical=True)  # type: ignore[attr-defined]
        elif name.endswith("_language"):
            current = str(form.initial.get(name) or "")  # stored, never what was posted
            field.choices = BLANK + language_options(current=current)  # type: ignore[attr-defined]


class OrganisationField(forms.ModelChoiceField[Organisation]):
    def label_from_instance(self, obj: Organisation) -> str:
        name = obj.display_name
        return "{} ({})".format(name, obj.country_id) if obj.country_id else name


def organisations(exclude: Organisation | None = None) -> QuerySet[Organisation]:
    """Organisations to pick from: service providers and NGOs first, then by name."""
    qs = Organisation.objects.annotate(
        rank=SqlCase(
            When(kind=OrganisationKind.SERVICE_PROVIDER, then=Value(0)),
            When(kind=OrganisationKind.NGO, then=Value(1)),
            When(kind=OrganisationKind.GOVERNMENT, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("rank", "name")
    return qs.exclude(pk=exclude.pk) if exclude is not None else qs


# --- the case list -------------------------------------------------------------------------------


class CaseFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=BLANK + list(h.CaseStatus.choices)
    )
    exploitation = forms.ChoiceField(
        label=_("Form of exploitation"),
        required=False,
        choices=BLANK + list(h.TypeOfExploitation.choices),
    )
    role = forms.ChoiceField(
        label=_("Person's role"), required=False, choices=BLANK + list(c.PersonRole.choices)
    )
    child = forms.ChoiceField(
        label=_("Child"),
        required=False,
        choices=[("", _("any")), ("yes", _("a child")), ("no", _("no child"))],
    )
    opened_from = _date(_("Opened from"))
    opened_to = _date(_("Opened until"))

    def filters(self) -> dict[str, Any]:
        """The arguments of selectors.case_list; invalid input filters nothing."""
        d = self.cleaned_data if self.is_valid() else {}
        child = d.get("child", "")
        return {
            "q": (d.get("q") or "").strip(),
            "status": d.get("status", ""),
            "exploitation": d.get("exploitation", ""),
            "role": d.get("role", ""),
            "child": {"yes": True, "no": False}.get(child),
            "opened_from": d.get("opened_from"),
            "opened_to": d.get("opened_to"),
        }


# --- cases ---------------------------------------------------------------------------------------


class CaseOpenForm(Form):
    title = forms.CharField(
        label=_("Working title"),
        required=False,
        max_length=200,
        help_text=_("Never a name: for example 'Farm workers, north district'."),
    )
    opened_on = _date(_("Opened on"), required=True, today=True)
    country = forms.ChoiceField(
        label=_("Country of the case"),
        required=False,
        help_text=_("Leave empty for your organisation's country."),
    )
    referring_organisation = OrganisationField(
        label=_("Referred by"), queryset=Organisation.objects.none(), required=False
    )
    incoming_referral_date = _date(_("Date of the incoming referral"))
    reason_for_incoming_referral = forms.ChoiceField(
        label=_("Reason for the incoming referral"),
        required=False,
        choices=BLANK + list(h.ReferralReason.choices),
    )
    incoming_referral_details = _text(_("Details of the incoming referral"), rows=2, most=TEXT_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()  # type: ignore[attr-defined]
        self.fields["referring_organisation"].queryset = organisations()  # type: ignore[attr-defined]


class CaseEditForm(Form):
    title = forms.CharField(label=_("Working title"), required=False, max_length=200)
    incoming_referral_date = _date(_("Date of the incoming referral"))
    reason_for_incoming_referral = forms.ChoiceField(
        label=_("Reason for the incoming referral"),
        required=False,
        choices=BLANK + list(h.ReferralReason.choices),
    )
    incoming_referral_details = _text(_("Details of the incoming referral"), rows=2, most=TEXT_MAX)


class CaseCloseForm(Form):
    reason = _text(_("Reason for closing"), required=True, rows=2, most=NOTE_MAX)
    closed_on = _date(_("Closed on"), today=True)
    referred = forms.BooleanField(
        label=_("Closed because the case was referred elsewhere"), required=False
    )


class ConfirmForm(Form):
    """A button and nothing else (reopen a case)."""


class CommentForm(Form):
    text = _text(_("Comment"), required=True, rows=3, most=NOTE_MAX)


# --- persons and identity ------------------------------------------------------------------------


IDENTITY_LABELS = {
    "salutation": _("Salutation"),
    "first_name": _("First name"),
    "middle_name": _("Middle name"),
    "second_name": _("Family name"),
    "aliases": _("Aliases"),
    "birthdate": _("Date of birth"),
    "identity_number": _("Identity number"),
    "documents": _("Identity documents"),
    "title": pgettext_lazy("a person's title, e.g. Mrs, Dr", "Title"),
    "email": _("E-mail"),
    "home_phone": _("Home telephone"),
    "mobile_phone": _("Mobile telephone"),
    "mailing_street": _("Street"),
    "mailing_city": _("City"),
    "mailing_state": _("State or province"),
    "mailing_postal_code": _("Postal code"),
    "mailing_country": _("Country"),
    "mailing_latitude": _("Latitude"),
    "mailing_longitude": _("Longitude"),
}


class IdentityFields(Form):
    """Identifying data: kept apart from the case facts and encrypted at rest."""

    identity_first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    identity_middle_name = forms.CharField(label=_("Middle name"), required=False, max_length=100)
    identity_second_name = forms.CharField(label=_("Family name"), required=False, max_length=100)
    identity_aliases = forms.CharField(
        label=_("Aliases"),
        required=False,
        max_length=300,
        help_text=_("Separated by commas."),
    )
    identity_birthdate = _date(_("Date of birth"))
    identity_identity_number = forms.CharField(
        label=_("Identity number"), required=False, max_length=100
    )
    identity_documents = forms.CharField(
        label=_("Identity documents"), required=False, max_length=300
    )
    identity_email = forms.EmailField(label=_("E-mail"), required=False)
    identity_mobile_phone = forms.CharField(
        label=_("Mobile telephone"), required=False, max_length=50
    )
    identity_mailing_street = forms.CharField(label=_("Street"), required=False, max_length=200)
    identity_mailing_city = forms.CharField(label=_("City"), required=False, max_length=100)
    identity_mailing_country = forms.ChoiceField(label=_("Country"), required=False)

    IDENTITY_NOTE = _(
        "Identifying data is encrypted and kept apart from the case facts. It is never shown "
        "on a page unless someone asks for it and gives a reason, and every such read is "
        "written to the audit log."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["identity_mailing_country"].choices = country_choices()  # type: ignore[attr-defined]

    def identity_field_names(self) -> list[str]:
        return [name for name in self.fields if name.startswith("identity_")]

    def identity(self) -> dict[str, Any]:
        """The identifying data entered; empty fields are left out."""
        out: dict[str, Any] = {}
        for name in self.identity_field_names():
            value = self.cleaned_data.get(name)
            key = name.removeprefix("identity_")
            if key == "aliases":
                value = [a.strip() for a in (value or "").split(",") if a.strip()]
            elif isinstance(value, dt.date):
                value = value.isoformat()
            if value not in (None, "", []):
                out[key] = value
        return out


class PersonForm(IdentityFields):
    role = forms.ChoiceField(label=_("Role in the case"), choices=c.PersonRole.choices)
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=BLANK + list(h.Gender.choices)
    )
    age_at_registration = forms.IntegerField(
        label=_("Age when registered"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_("Worked out from the date of birth when that is given."),
    )
    age_uncertain = forms.BooleanField(label=_("Age uncertain: presume a child"), required=False)
    citizenship = _citizenship()
    primary_language = _language(_("Primary language"))
    types_of_exploitation = _checkboxes(_("Forms of exploitation"), h.TypeOfExploitation.choices)
    forced_labour_industry = forms.ChoiceField(
        label=_("Forced labour industry"),
        required=False,
        choices=BLANK + list(h.ForcedLabourIndustry.choices),
    )
    location_of_exploitation = forms.CharField(
        label=_("Place of exploitation"), required=False, max_length=200
    )

    FACTS = (
        "role",
        "gender",
        "age_at_registration",
        "age_uncertain",
        "citizenship",
        "primary_language",
        "types_of_exploitation",
        "forced_labour_industry",
        "location_of_exploitation",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_pickers(self)
        self.order_fields([*self.FACTS, *self.identity_field_names()])

    def fieldsets(self) -> list[tuple[Any, Any, list[forms.BoundField], str]]:
        """(legend, note, fields, CSS class): the identity is visibly apart from the facts."""
        return [
            (_("Case facts"), "", [self[n] for n in self.FACTS], "facts"),
            (
                _("Identifying data (encrypted)"),
                self.IDENTITY_NOTE,
                [self[n] for n in self.identity_field_names()],
                "identity",
            ),
        ]

    def facts(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {k: d[k] for k in self.FACTS if k != "role"}


class IdentityEditForm(IdentityFields):
    """Correct identifying data; fields left empty keep what is stored."""


class PersonFactsForm(Form):
    """The HTCDS facts of a person (victim and perpetrator context)."""

    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=BLANK + list(h.Gender.choices)
    )
    age_at_registration = forms.IntegerField(
        label=_("Age when registered"), required=False, min_value=0, max_value=120
    )
    age_uncertain = forms.BooleanField(label=_("Age uncertain: presume a child"), required=False)
    deceased = forms.BooleanField(label=_("Deceased"), required=False)
    marital_status = forms.ChoiceField(
        label=_("Marital status"), required=False, choices=BLANK + list(h.MaritalStatus.choices)
    )
    number_of_children = forms.IntegerField(
        label=_("Number of children"), required=False, min_value=0, max_value=30
    )
    primary_language = _language(_("Primary language"))
    secondary_language = _language(_("Secondary language"))
    education = forms.ChoiceField(
        label=_("Highest level of education"),
        required=False,
        choices=BLANK + list(h.EducationLevel.choices),
    )
    citizenship = _citizenship()
    relationship_to_trafficker = forms.ChoiceField(
        label=_("Relationship to the trafficker"),
        required=False,
        choices=BLANK + list(h.RelationshipToTrafficker.choices),
    )
    age_when_trafficked = forms.IntegerField(
        label=_("Age when trafficked"), required=False, min_value=0, max_value=120
    )
    methods_of_recruitment = _checkboxes(_("Methods of recruitment"), h.MethodOfRecruitment.choices)
    location_of_recruitment = forms.CharField(
        label=_("Place of recruitment"), required=False, max_length=200
    )
    methods_of_control = _checkboxes(_("Methods of control"), h.MethodOfControl.choices)
    types_of_exploitation = _checkboxes(_("Forms of exploitation"), h.TypeOfExploitation.choices)
    forced_labour_industry = forms.ChoiceField(
        label=_("Forced labour industry"),
        required=False,
        choices=BLANK + list(h.ForcedLabourIndustry.choices),
    )
    types_of_sex_exploitation = _checkboxes(
        _("Forms of sexual exploitation"), h.TypeOfSexExploitation.choices
    )
    location_of_exploitation = forms.CharField(
        label=_("Place of exploitation"), required=False, max_length=200
    )
    vulnerabilities = _checkboxes(_("Vulnerabilities"), h.Vulnerability.choices)
    details_of_vulnerabilities = _text(
        _("Details of vulnerabilities (no names)"), rows=2, most=TEXT_MAX
    )
    perpetrator_roles = _checkboxes(
        _("Role in the trafficking process (suspects)"), h.PerpetratorRole.choices
    )
    perpetrator_role_details = _text(_("Details of the role"), rows=2, most=TEXT_MAX)

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        initial = {name: getattr(person, name) for name in cls.base_fields}
        initial["citizenship"] = list(person.citizenship or [])
        return initial

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_pickers(self)

    def facts(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class NameSearchForm(Form):
    """Find a person by name (sent by POST: a name never goes into a URL or a server log)."""

    name = forms.CharField(
        label=_("Find a person by name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
        help_text=_(
            "One or more names, in any script. Exact names and names that sound alike are found "
            "among the persons whose identity you may see."
        ),
    )


class IdentityRevealForm(Form):
    reason = forms.CharField(
        label=_("Why do you need to see the identifying data?"),
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Required. Your name, the time and this reason are written to the audit log."),
    )


# --- consent -------------------------------------------------------------------------------------


class ConsentForm(Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=c.ConsentPurpose.choices)
    given_on = _date(_("Given on"), required=True, today=True)
    notes = _text(_("Notes"), rows=2, most=NOTE_MAX)


class ConsentWithdrawForm(Form):
    withdrawn_on = _date(_("Withdrawn on"), required=True, today=True)


# --- identification ------------------------------------------------------------------------------


class ScreeningForm(Form):
    indicators = forms.MultipleChoiceField(
        label=_("Indicators observed"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    screened_on = _date(_("Screened on"), required=True, today=True)
    notes = _text(_("Notes (no names)"), rows=2, most=NOTE_MAX)

    def __init__(self, *args: Any, indicator_list: IndicatorList, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicator_list = indicator_list
        self.indicator_rows = list(indicator_list.indicators.all())
        self.fields["indicators"].choices = [(i.code, i.text) for i in self.indicator_rows]  # type: ignore[attr-defined]

    def groups(self) -> list[tuple[str, Any, list[tuple[Indicator, bool]]]]:
        """Indicators grouped by dimension, in the list's order, with their checked state."""
        checked = set(self.data.getlist("indicators")) if self.is_bound else set()  # type: ignore[attr-defined]
        labels = dict(c.IndicatorDimension.choices)
        order = {value: n for n, value in enumerate(c.IndicatorDimension.values)}
        strength_order = {value: n for n, value in enumerate(c.IndicatorStrength.values)}
        by_dim: dict[str, list[tuple[Indicator, bool]]] = {}
        for ind in sorted(
            self.indicator_rows,
            key=lambda i: (order.get(i.dimension, 99), strength_order.get(i.strength, 9), i.code),
        ):
            by_dim.setdefault(ind.dimension, []).append((ind, ind.code in checked))
        return [(dim, labels.get(dim, dim), rows) for dim, rows in by_dim.items()]


class IdentificationForm(Form):
    authority = OrganisationField(
        label=_("Competent authority"), queryset=Organisation.objects.none()
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=c.IdentificationDecision.choices)
    decision_org_type = forms.ChoiceField(
        label=_("Kind of deciding authority"), choices=h.StatusDecisionOrg.choices
    )
    decided_on = _date(_("Decided on"), required=True, today=True)
    reasoning = _text(_("Reasons for the decision"), required=True, most=TEXT_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = organisations().order_by("name")  # type: ignore[attr-defined]


class MovementForm(Form):
    event_type = forms.ChoiceField(label=_("Stage"), choices=h.EventType.choices)
    country = forms.ChoiceField(label=_("Country"))
    state = forms.CharField(label=_("State or province"), required=False, max_length=100)
    city = forms.CharField(label=_("City or place"), required=False, max_length=100)
    date = _date(_("From"))
    end_date = _date(_("Until"))
    description = _text(_("Description (no names)"), rows=2, most=TEXT_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()  # type: ignore[attr-defined]


# --- referrals -----------------------------------------------------------------------------------


class ReferralForm(Form):
    to_organisation = OrganisationField(label=_("Refer to"), queryset=Organisation.objects.none())
    service = forms.ChoiceField(label=_("Service"), choices=c.ServiceType.choices)
    scopes = forms.MultipleChoiceField(
        label=_("Share with the receiving organisation"),
        required=False,
        choices=c.ShareScope.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
        help_text=_(
            "Only what you tick is shared, and only for this person. Identity and contact "
            "details need the person's consent to data sharing."
        ),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=h.ReferralReason.choices,
        initial=h.ReferralReason.ADDITIONAL_SERVICES_REQUIRED,
    )
    details = _text(_("Details (shared with the receiving organisation)"), rows=3, most=TEXT_MAX)
    sent_on = _date(_("Sent on"), required=True, today=True)

    def __init__(self, *args: Any, sender: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_organisation"]
        field.queryset = organisations(exclude=sender)  # type: ignore[attr-defined]
        if sender is not None:  # grouped: the sender country's service providers first
            field.widget.choices = receiver_choices(sender)


def receiver_choices(sender: Organisation) -> list[tuple[Any, Any]]:
    """The "Refer to" options in groups (selectors.referral_receivers), each labelled with its
    country ("Demo safe house (ITA)"), and with its kind where the group's heading does not say
    it ("Polizia di Stato (ITA) · Government agency")."""
    kinds = dict(OrganisationKind.choices)

    def label(org: Organisation, kind_known: bool) -> str:
        text = "{} ({})".format(org.name, org.country_id) if org.country_id else org.name
        return text if kind_known else "{} · {}".format(text, kinds[org.kind])

    return BLANK + [
        (group.label, [(org.pk, label(org, bool(group.kind))) for org in group.organisations])
        for group in selectors.referral_receivers(sender=sender)
    ]


class ReferralActionForm(Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


# --- protection measures -------------------------------------------------------------------------


class MeasureGrantForm(Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=c.MeasureKind.choices)
    starts_on = _date(_("Starts on"), required=True, today=True)
    ends_on = _date(_("Ends on"), help_text=_("Required except for witness protection."))
    linked_to_cooperation = forms.BooleanField(
        label=_("Linked to cooperation with the authorities"), required=False
    )
    decided_by = OrganisationField(
        label=_("Decided by"), queryset=Organisation.objects.none(), required=False
    )
    reference = forms.CharField(
        label=_("Permit or decision number"), required=False, max_length=100
    )
    notes = _text(_("Notes"), rows=2, most=NOTE_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decided_by"].queryset = organisations().order_by("name")  # type: ignore[attr-defined]


class MeasureRenewForm(Form):
    ends_on = _date(_("New end date"), required=True)
    reference = forms.CharField(
        label=_("New permit or decision number"), required=False, max_length=100
    )


class MeasureEndForm(Form):
    revoke = forms.BooleanField(label=_("Revoked (not simply ended)"), required=False)
    notes = _text(_("Notes"), rows=2, most=NOTE_MAX)


# --- children ------------------------------------------------------------------------------------


class GuardianForm(Form):
    appointed_on = _date(_("Appointed on"), required=True, today=True)
    name = forms.CharField(
        label=_("Guardian's name"),
        required=False,
        max_length=200,
        help_text=_("Encrypted like the child's identity."),
    )
    organisation = OrganisationField(
        label=_("Guardian's organisation"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations().order_by("name")  # type: ignore[attr-defined]


class BestInterestForm(Form):
    decided_on = _date(_("Decided on"), required=True, today=True)
    return_in_best_interest = forms.TypedChoiceField(
        label=_("Is return in the child's best interest?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reasoning = _text(_("Reasons"), required=True, most=TEXT_MAX)
    decided_by = OrganisationField(label=_("Decided by"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decided_by"].queryset = organisations().order_by("name")  # type: ignore[attr-defined]


# --- return and reintegration --------------------------------------------------------------------


class AuthorityField(forms.ModelChoiceField[DirectoryEntry]):
    def label_from_instance(self, obj: DirectoryEntry) -> str:
        where = (
            obj.country.name if obj.country else (obj.mechanism.acronym if obj.mechanism else "")
        )
        return "{}: {}{}".format(
            where, obj.organisation.name, " — {}".format(obj.unit) if obj.unit else ""
        )


class ReturnPlanForm(Form):
    destination = forms.ChoiceField(label=_("Return to"))
    receiving_authority = AuthorityField(
        label=_("Receiving country's authority"),
        queryset=DirectoryEntry.objects.none(),
        required=False,
        help_text=_("From the directory; it must be in the country of return."),
    )
    risk_level = forms.ChoiceField(label=_("Risk"), choices=c.RiskLevel.choices)
    risk_assessment = _text(_("Risk assessment"), required=True, most=TEXT_MAX)
    voluntary_consent = forms.BooleanField(
        label=_("The person consents voluntarily to return"), required=False
    )
    consent_on = _date(_("Consent given on"))
    travel_documents = forms.CharField(label=_("Travel documents"), required=False, max_length=200)
    planned_for = _date(_("Planned return date"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = country_choices()  # type: ignore[attr-defined]
        self.fields["receiving_authority"].queryset = (  # type: ignore[attr-defined]
            DirectoryEntry.objects.filter(country__isnull=False)
            .select_related("country", "organisation", "mechanism")
            .order_by("country__name", "organisation__name", "unit")
        )


class ReturnDecideForm(Form):
    decided_on = _date(_("Decided on"), required=True, today=True)


class ReturnCompleteForm(Form):
    return_date = _date(_("Returned on"), required=True, today=True)


class FollowUpPlanForm(Form):
    planned_on = _date(_("Planned for"), required=True)


class FollowUpRecordForm(Form):
    done_on = _date(_("Visited on"), required=True, today=True)
    outcome = _text(_("Outcome (no names)"), required=True, most=TEXT_MAX)
    retrafficked = forms.BooleanField(label=_("The person was trafficked again"), required=False)


# --- proceedings and support ---------------------------------------------------------------------


class ProceedingForm(Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=c.ProceedingStage.choices)
    started_on = _date(_("Started on"), required=True)
    suspect = forms.ModelChoiceField(
        label=_("Suspect"),
        queryset=Person.objects.none(),
        required=False,
        to_field_name="pseudonym",
    )
    charges = _text(_("Charges"), rows=2, most=TEXT_MAX)
    verdict = forms.ChoiceField(
        label=_("Verdict"), required=False, choices=BLANK + list(c.Verdict.choices)
    )
    verdict_on = _date(_("Verdict on"))
    sentence_months = forms.IntegerField(label=_("Sentence (months)"), required=False, min_value=0)
    confiscated_amount = forms.DecimalField(
        label=_("Assets confiscated"), required=False, min_value=0, decimal_places=2
    )
    compensation_ordered = forms.DecimalField(
        label=_("Compensation ordered"), required=False, min_value=0, decimal_places=2
    )
    compensation_paid = forms.DecimalField(
        label=_("Compensation paid"), required=False, min_value=0, decimal_places=2
    )
    currency = forms.CharField(label=_("Currency (ISO 4217)"), required=False, max_length=3)

    def __init__(self, *args: Any, suspects: QuerySet[Person] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["suspect"].queryset = (  # type: ignore[attr-defined]
            suspects if suspects is not None else Person.objects.none()
        )

    def details(self) -> dict[str, Any]:
        d = self.cleaned_data
        out = {k: d[k] for k in PROCEEDING_FIELDS if d.get(k) not in (None, "")}
        if "currency" in out:
            out["currency"] = out["currency"].upper()
        return out


class SupportPlanForm(Form):
    plan_type = forms.ChoiceField(label=_("Type"), choices=h.SupportPlanType.choices)
    objectives = _text(_("Objectives"), rows=2, most=TEXT_MAX)
    action_plan = _text(_("Action plan"), rows=3, most=TEXT_MAX)
    planned_end = _date(_("Planned end"))
