"""Registry pages. Reads are public; editing pages need the registry editor role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError
from palermo.core.models import Country
from palermo.core.permissions import can_edit_registry
from palermo.core.services import country_get
from palermo.registry import selectors, services
from palermo.registry.choices import DirectoryRole
from palermo.registry.forms import (
    DirectoryEntryForm,
    LegislationForm,
    MembershipForm,
    TreatyActionCorrectForm,
    TreatyActionForm,
)
from palermo.registry.models import Instrument, TreatyAction

MATRIX_INSTRUMENTS = ["untoc", "trafficking-protocol", "smuggling-protocol"]


def _found(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except ApplicationError as exc:
        raise Http404(exc.detail) from exc


def _as_of(request: HttpRequest) -> dt.date:
    try:
        return selectors.parse_as_of(request.GET.get("as_of", ""))
    except ApplicationError:
        return dt.date.today()  # noqa: DTZ011


def _render_htmx(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """The partial for an htmx request, else the page (also for an htmx history restore)."""
    htmx = request.htmx  # type: ignore[attr-defined]
    wants_partial = bool(htmx) and not htmx.history_restore_request
    response = render(request, partial if wants_partial else page, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def instrument_list(request: HttpRequest) -> HttpResponse:
    instruments = selectors.instrument_list().annotate(n_actions=Count("actions"))
    return render(request, "registry/instrument_list.html", {"instruments": instruments})


def instrument_detail(request: HttpRequest, slug: str) -> HttpResponse:
    inst: Instrument = _found(selectors.instrument_get, slug)
    as_of = _as_of(request)
    return render(
        request,
        "registry/instrument_detail.html",
        {
            "instrument": inst,
            "eif": selectors.general_entry_into_force(inst),
            "actions": selectors.treaty_action_list(instrument=inst),
            "rows": selectors.parties(instrument=inst, as_of=as_of),
            "as_of": as_of,
            "conflicts": selectors.conflict_list(instrument=inst),
            "supplements": inst.supplements.all(),
        },
    )


def parties(request: HttpRequest) -> HttpResponse:
    """Parties/signatories of an instrument as of a date, optionally among members (htmx-aware)."""
    context: dict[str, Any] = {
        "instruments": Instrument.objects.filter(actions__isnull=False).distinct().order_by("slug"),
        "mechanisms": selectors.mechanism_list(),
        "selected": request.GET.get("instrument", "trafficking-protocol"),
        "member_of": request.GET.get("member_of", ""),
        "as_of": _as_of(request),
        "error": "",
    }
    try:
        inst = selectors.instrument_get(context["selected"])
        mech = selectors.mechanism_get(context["member_of"]) if context["member_of"] else None
        context.update(
            instrument=inst,
            rows=selectors.parties(instrument=inst, as_of=context["as_of"], member_of=mech),
        )
    except ApplicationError as exc:
        context["error"] = exc.detail
    return _render_htmx(request, "registry/parties.html", "registry/_parties_table.html", context)


def country_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    countries = Country.objects.annotate(
        n_actions=Count("treaty_actions", distinct=True),
        n_laws=Count("legislation", distinct=True),
        n_memberships=Count("memberships", distinct=True),
    ).filter(Q(n_actions__gt=0) | Q(n_laws__gt=0) | Q(n_memberships__gt=0) | Q(historical=False))
    if q:
        countries = countries.filter(Q(name__icontains=q) | Q(iso3__iexact=q))
    return _render_htmx(
        request,
        "registry/country_list.html",
        "registry/_country_rows.html",
        {"countries": countries.order_by("name"), "q": q},
    )


def country_detail(request: HttpRequest, iso3: str) -> HttpResponse:
    country = _found(country_get, iso3)
    as_of = _as_of(request)
    profile = selectors.country_profile(country, as_of)
    entries, show_contacts = selectors.directory_list(user=request.user, country=country)
    profile.update(
        as_of=as_of,
        directory=entries,
        show_contacts=show_contacts,
        localized_name=country.localized_name(request.LANGUAGE_CODE),
    )
    return render(request, "registry/country_detail.html", profile)


def mechanism_list(request: HttpRequest) -> HttpResponse:
    mechanisms = selectors.mechanism_list().annotate(n_members=Count("memberships"))
    return render(request, "registry/mechanism_list.html", {"mechanisms": mechanisms})


def mechanism_detail(request: HttpRequest, acronym: str) -> HttpResponse:
    mech = _found(selectors.mechanism_get, acronym)
    as_of = _as_of(request)
    slugs = MATRIX_INSTRUMENTS + list(
        mech.instruments.filter(actions__isnull=False).values_list("slug", flat=True).distinct()
    )
    instruments = [
        i for s in dict.fromkeys(slugs) if (i := Instrument.objects.filter(slug=s).first())
    ]
    return render(
        request,
        "registry/mechanism_detail.html",
        {
            "mechanism": mech,
            "as_of": as_of,
            "instruments": instruments,
            "matrix": selectors.ratification_matrix(
                mechanism=mech, instruments=instruments, as_of=as_of
            ),
            "memberships": selectors.membership_list(mechanism=mech),
            "adopted": mech.instruments.all(),
        },
    )


def directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    country_code = request.GET.get("country", "").strip()
    country = Country.objects.filter(iso3=country_code.upper()).first() if country_code else None
    entries, show_contacts = selectors.directory_list(
        user=request.user, q=q, role=role or None, country=country
    )
    context = {
        "entries": entries,
        "show_contacts": show_contacts,
        "q": q,
        "role": role,
        "country": country_code,
        "roles": DirectoryRole.choices,
    }
    return _render_htmx(
        request, "registry/directory.html", "registry/_directory_rows.html", context
    )


def conflict_list(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/conflict_list.html", {"conflicts": selectors.conflict_list()})


# --- editing ---------------------------------------------------------------------------------


def editor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_edit_registry(request.user):
            raise PermissionDenied(_("Only registry editors can change the registry."))
        return view(request, *args, **kwargs)

    return wrapper


def _edit(
    request: HttpRequest,
    form_class: type[forms.Form],
    save: Callable[[Any], Any],
    title: str,
    initial: dict[str, Any] | None = None,
) -> HttpResponse:
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form)
        except ApplicationError as exc:
            form.add_error(None, exc.detail)
        except ValidationError as exc:
            # A model constraint, e.g. the same action recorded twice from one source.
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Saved: {}").format(obj))
            next_url = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = ""  # never redirect off-site
            return redirect(next_url or "registry:instrument_list")
    return render(request, "registry/edit_form.html", {"form": form, "title": title})


@editor_required
def treaty_action_new(request: HttpRequest) -> HttpResponse:
    def save(form: Any) -> Any:
        d = form.cleaned_data
        return services.treaty_action_record(
            actor=request.user,
            instrument=d["instrument"],
            country=d["country"],
            action=d["action"],
            date=d["date"],
            date_text=d["date_text"],
            note=d["note"],
            source=form.source(),
        )

    return _edit(
        request, TreatyActionForm, save, _("Record a treaty action"), initial=request.GET.dict()
    )


@editor_required
def treaty_action_correct(request: HttpRequest, pk: int) -> HttpResponse:
    action = (
        TreatyAction.objects.select_related("instrument", "country", "source__document")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404(_("No such treaty action."))

    def save(form: Any) -> Any:
        d = form.cleaned_data
        return services.treaty_action_correct(
            actor=request.user,
            treaty_action=action,
            date=d["date"],
            action=d["action"],
            date_text=d["date_text"],
            note=d["note"],
        )

    initial = {
        "action": action.action,
        "date": action.date,
        "date_text": action.date_text,
        "note": action.note,
    }
    return _edit(
        request,
        TreatyActionCorrectForm,
        save,
        _("Correct: {} {} of {}").format(
            action.country.name, action.get_action_display(), action.instrument.short_name
        ),
        initial,
    )


@editor_required
def legislation_new(request: HttpRequest) -> HttpResponse:
    def save(form: Any) -> Any:
        d = form.cleaned_data
        return services.legislation_record(
            actor=request.user,
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

    return _edit(
        request, LegislationForm, save, _("Add national legislation"), initial=request.GET.dict()
    )


@editor_required
def directory_new(request: HttpRequest) -> HttpResponse:
    def save(form: Any) -> Any:
        d = form.cleaned_data
        return services.directory_entry_record(
            actor=request.user,
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

    return _edit(
        request,
        DirectoryEntryForm,
        save,
        _("Add an authority or focal point"),
        initial=request.GET.dict(),
    )


@editor_required
def membership_new(request: HttpRequest) -> HttpResponse:
    def save(form: Any) -> Any:
        d = form.cleaned_data
        return services.membership_record(
            actor=request.user,
            mechanism=d["mechanism"],
            country=d["country"],
            role=d["role"],
            joined=d["joined"],
            left=d["left"],
            note=d["note"],
            source=form.source(),
        )

    return _edit(request, MembershipForm, save, _("Add a membership"), initial=request.GET.dict())
