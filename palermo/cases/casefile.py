"""The printable case file: one PDF of a case with what the user may see of it, nothing more.

It is the case page and the person pages of the case in one document, under the same access
(palermo.cases.access: the owner sees all, an organisation the case was shared with only the
shared scopes of the persons the share names, a national coordinator the de-identified facts).
Making it is a read of personal data, so it is audited: one entry for the case (with the
persons and scopes it covered), and, when the user asks for identifying data (with a reason),
one identity read per person, exactly as "Show identity" on a person page writes it.

The PDF is rendered by WeasyPrint from the template `cases/case_file.html`; the fonts are the
system's (fontconfig), embedded in the file: Noto Sans and Noto Sans Arabic (Debian's
`fonts-noto-core`) and Noto Sans CJK (`fonts-noto-cjk`), DejaVu where they are missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

from palermo.cases import access as acl
from palermo.cases import choices as c
from palermo.cases import selectors, services
from palermo.cases.forms import IDENTITY_LABELS
from palermo.cases.models import Case, Person
from palermo.cases.views.base import scope_labels
from palermo.cases.views.pages import _fact_rows, _identity_text, _timeline
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.models import User

STYLE = Path(__file__).parent / "static" / "cases" / "case_file.css"


class _NoText(logging.Filter):
    """WeasyPrint's messages quote the text they are about (a name with a glyph no font has):
    logged without their arguments, so no personal data reaches the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.args = ()
        return True


_weasyprint_log = logging.getLogger("weasyprint")
if not any(isinstance(f, _NoText) for f in _weasyprint_log.filters):
    _weasyprint_log.addFilter(_NoText())
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@dataclass
class PersonSection:
    """One person of the case as the file shows them."""

    person: Person
    facts: bool
    protection: bool
    fact_rows: list[tuple[str, str]]
    records: dict[str, list[Any]]
    referrals: list[tuple[Any, list[str]]]
    timeline: list[selectors.TimelineEvent]
    identity_rows: list[tuple[str, Any]] | None = None


@dataclass
class CaseFile:
    """What the PDF holds, and the PDF."""

    case: Case
    access: acl.CaseAccess
    persons: list[PersonSection] = field(default_factory=list)
    pdf: bytes = b""

    @property
    def filename(self) -> str:
        """The download's name: the case reference (never anything personal)."""
        return "case-file-{}.pdf".format(
            "".join(ch for ch in self.case.reference if ch.isalnum() or ch in "-_")
        )


def case_file_make(
    *, actor: User, case_id: object, identities: bool = False, reason: str = ""
) -> CaseFile:
    """The case file of a case the actor may see, as a PDF. Audited: a read of the case, and
    with `identities` (a reason required) a read of each person's identifying data that the
    actor may see (persons whose identity is not shared with them stay pseudonymous)."""
    case, access = acl.case_get(actor, case_id)
    reason = reason.strip()
    if identities and not reason:
        raise ApplicationError(
            _("Say why the case file needs the persons' identifying data."),
            code="reason_required",
        )
    selectors.case_records_prefetch(case)
    file = CaseFile(case=case, access=access)
    identities_read: list[str] = []
    with transaction.atomic():
        for p in selectors.case_persons(access):
            section = _person_section(actor, p, access)
            if identities and acl.identity_readable(actor, p, access):
                data = services.person_identity_read(actor=actor, person=p, reason=reason)
                section.identity_rows = [
                    (str(IDENTITY_LABELS.get(key, key)), _identity_text(key, value))
                    for key, value in data.items()
                ]
                identities_read.append(p.pseudonym)
            file.persons.append(section)
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            obj=case,
            reason=reason or _("case file (PDF)"),
            after={
                "export": "case_file_pdf",
                "persons": [s.person.pseudonym for s in file.persons],
                "scopes": sorted(access.scopes),
                "identities": identities_read,
            },
        )
    file.pdf = _render(file, actor)
    return file


def _person_section(user: User, person: Person, access: acl.CaseAccess) -> PersonSection:
    records = selectors.person_records(person, access)
    records.pop("photos", None)  # photos stay on the person page, behind their own audited read
    referrals = [(r, scope_labels(r.scopes)) for r in records.pop("referrals")]
    return PersonSection(
        person=person,
        facts=access.can(c.ShareScope.CASE_FACTS, person),
        protection=access.can(c.ShareScope.PROTECTION, person),
        fact_rows=_fact_rows(selectors.person_facts(person, access)),
        records=records,
        referrals=referrals,
        timeline=[e for e in _timeline(access) if e.person == person.pseudonym],
    )


def _render(file: CaseFile, user: User) -> bytes:
    from weasyprint import CSS, HTML  # noqa: PLC0415 - loads Pango: only when a file is made

    case, access = file.case, file.access
    context = {
        "case": case,
        "access": access,
        "facts": access.can(c.ShareScope.CASE_FACTS),
        "persons": file.persons,
        "timeline": _timeline(access),
        "proceedings": (
            list(case.proceedings.select_related("suspect")) if access.whole_case_facts else []
        ),
        "comments": list(case.comments.select_related("author")) if access.owner else [],
        "user": user,
        "made_at": timezone.now(),
        "language": get_language() or "en",
        "bidi": get_language_bidi(),
    }
    html = render_to_string("cases/case_file.html", context)
    # The style sheet is read from the package (no URL is fetched while rendering).
    style = CSS(filename=str(STYLE))
    document = HTML(string=html, base_url=None, url_fetcher=_no_fetch)
    return bytes(document.write_pdf(stylesheets=[style]))


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """The file is made from the template alone: nothing is fetched (not even a data: URL)."""
    raise ValueError("the case file fetches no resource")
