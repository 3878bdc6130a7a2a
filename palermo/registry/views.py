"""Registry pages. Reads are public (what each page shows comes from `selectors.pages`); the
editing pages need the registry editor role and each calls one service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.errors import ForbiddenError
from palermo.core.permissions import can_edit_registry
from palermo.core.views import FormServiceView, PalermoView, page_user, render_htmx, safe_next
from palermo.registry import selectors, services
from palermo.registry.forms import (
    DirectoryEntryForm,
    LegislationForm,
    MembershipForm,
    TreatyActionCorrectForm,
    TreatyActionForm,
)
from palermo.registry.models import DirectoryEntry, Legislation, Membership, TreatyAction


class RegistryPage(PalermoView):
    """A public registry page: `template_name` (and `partial_name`, the part an htmx request
    gets) filled by `get_context(**url_kwargs)`. An unknown slug, code or acronym is a 404."""

    login_required = False
    errors_as_404 = True
    private_if_user = True  # logged-in users see their name and, in places, people's contacts
    template_name: str
    partial_name = ""

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def as_of(self) -> dt.date:
        return selectors.as_of_or_today(self.request.GET.get("as_of", ""))

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        context = self.get_context(**kwargs)
        if self.partial_name:
            return render_htmx(request, self.template_name, self.partial_name, context)
        return render(request, self.template_name, context)


class InstrumentListView(RegistryPage):
    template_name = "registry/instrument_list.html"

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        return {"instruments": selectors.instrument_overview()}


class InstrumentDetailView(RegistryPage):
    template_name = "registry/instrument_detail.html"

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        return selectors.instrument_page(slug=kwargs["slug"], as_of=self.as_of())


class PartiesView(RegistryPage):
    """Parties/signatories of an instrument as of a date, optionally among members (htmx)."""

    template_name = "registry/parties.html"
    partial_name = "registry/_parties_table.html"

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        return selectors.parties_page(
            instrument=self.request.GET.get("instrument", "trafficking-protocol"),
            member_of=self.request.GET.get("member_of", ""),
            as_of=self.as_of(),
        )


class CountryListView(RegistryPage):
    template_name = "registry/country_list.html"
    partial_name = "registry/_country_rows.html"

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        q = self.request.GET.get("q", "").strip()
        return {"countries": selectors.country_overview(q=q), "q": q}


class CountryDetailView(RegistryPage):
    template_name = "registry/country_detail.html"

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        return selectors.country_page(
            user=self.request.user,
            iso3=kwargs["iso3"],
            as_of=self.as_of(),
            language=self.request.LANGUAGE_CODE,
        )


class MechanismListView(RegistryPage):
    template_name = "registry/mechanism_list.html"

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        return {"mechanisms": selectors.mechanism_overview()}


class MechanismDetailView(RegistryPage):
    template_name = "registry/mechanism_detail.html"

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        return selectors.mechanism_page(acronym=kwargs["acronym"], as_of=self.as_of())


class DirectoryView(RegistryPage):
    template_name = "registry/directory.html"
    partial_name = "registry/_directory_results.html"

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        get = self.request.GET
        return selectors.directory_page(
            user=self.request.user,
            q=get.get("q", "").strip(),
            role=get.get("role", ""),
            country=get.get("country", "").strip(),
            page=get.get("page"),
        )


class ConflictListView(RegistryPage):
    template_name = "registry/conflict_list.html"

    def get_context(self, **kwargs: Any) -> dict[str, Any]:
        return {"conflicts": selectors.conflict_list()}


# --- editing ---------------------------------------------------------------------------------


class RegistryEditView(FormServiceView):
    """A registry editor's form: others get 403 (the anonymous go to the login page); after a
    save, back to a local `next` or the instruments, with "Saved: ..."."""

    template_name = "registry/edit_form.html"

    def resolve(self, **kwargs: Any) -> None:
        if not can_edit_registry(self.request.user):
            raise ForbiddenError(_("Only registry editors can change the registry."))

    def get_initial(self) -> dict[str, Any]:
        return self.request.GET.dict()

    def get_success_url(self, obj: Any) -> str:
        return safe_next(self.request, reverse("registry:instrument_list"))

    def get_success_message(self, obj: Any) -> str:
        return _("Saved: {}").format(obj)


class TreatyActionNewView(RegistryEditView):
    form_class = TreatyActionForm
    title = gettext_lazy("Record a treaty action")

    def perform(self, form: TreatyActionForm) -> TreatyAction:
        d = form.cleaned_data
        return services.treaty_action_record(
            actor=page_user(self.request),
            instrument=d["instrument"],
            country=d["country"],
            action=d["action"],
            date=d["date"],
            date_text=d["date_text"],
            note=d["note"],
            source=form.source(),
        )


class TreatyActionCorrectView(RegistryEditView):
    form_class = TreatyActionCorrectForm
    treaty_action: TreatyAction

    def resolve(self, **kwargs: Any) -> None:
        super().resolve(**kwargs)
        self.treaty_action = selectors.treaty_action_get(kwargs["pk"])
        action = self.treaty_action
        self.title = _("Correct: {} {} of {}").format(
            action.country.name, action.get_action_display(), action.instrument.short_name
        )

    def get_initial(self) -> dict[str, Any]:
        action = self.treaty_action
        return {
            "action": action.action,
            "date": action.date,
            "date_text": action.date_text,
            "note": action.note,
        }

    def perform(self, form: TreatyActionCorrectForm) -> TreatyAction:
        d = form.cleaned_data
        return services.treaty_action_correct(
            actor=page_user(self.request),
            treaty_action=self.treaty_action,
            date=d["date"],
            action=d["action"],
            date_text=d["date_text"],
            note=d["note"],
        )


class LegislationNewView(RegistryEditView):
    form_class = LegislationForm
    title = gettext_lazy("Add national legislation")

    def perform(self, form: LegislationForm) -> Legislation:
        d = form.cleaned_data
        return services.legislation_record(
            actor=page_user(self.request),
            country=d["country"],
            title=d["title"],
            kind=d["kind"],
            year=d["year"],
            date=d["date"],
            status=d["status"],
            implements=d["implements"],
            summary=d["summary"],
            source=form.source(),
        )


class DirectoryNewView(RegistryEditView):
    form_class = DirectoryEntryForm
    title = gettext_lazy("Add an authority or focal point")

    def perform(self, form: DirectoryEntryForm) -> DirectoryEntry:
        d = form.cleaned_data
        return services.directory_entry_record(
            actor=page_user(self.request),
            organisation=d["organisation"],
            organisation_kind=d["organisation_kind"],
            country=d["country"],
            role=d["role"],
            unit=d["unit"],
            description=d["description"],
            languages=[x.strip() for x in d["languages"].split(",") if x.strip()],
            url=d["url"],
            address=d["address"],
            person_name=d["person_name"],
            email=d["email"],
            phone=d["phone"],
            source=form.source(),
        )


class MembershipNewView(RegistryEditView):
    form_class = MembershipForm
    title = gettext_lazy("Add a membership")

    def perform(self, form: MembershipForm) -> Membership:
        d = form.cleaned_data
        return services.membership_record(
            actor=page_user(self.request),
            mechanism=d["mechanism"],
            country=d["country"],
            role=d["role"],
            joined=d["joined"],
            left=d["left"],
            note=d["note"],
            source=form.source(),
        )
