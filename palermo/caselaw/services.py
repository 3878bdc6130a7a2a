"""Every write of the case law (issue 17): decisions imported or saved from the documented JSON
(`schemas.CourtDecisionIn`), checked whole before anything is written, written in one transaction,
indexed for search in the same transaction, audited; publication; the keyword vocabulary and
the seed decisions.

Who writes: registry editors (a secretariat) and investigators/prosecutors; a draft is seen by
them only, a published decision by everyone (case law is public, as SHERLOC's is).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from palermo.caselaw import search
from palermo.caselaw.choices import Status
from palermo.caselaw.models import (
    Court,
    Decision,
    DecisionCountry,
    Finding,
    Keyword,
    Party,
    SearchText,
    Summary,
    Vocabulary,
)
from palermo.caselaw.schemas import FORMAT, CourtDecisionIn, FileIn
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError
from palermo.core.models import Country, Document, Source, User
from palermo.core.permissions import AnyUser, require_role
from palermo.registry.models import Legislation, Mechanism

DATA_DIR = Path(__file__).resolve().parent / "data"
EDITOR_ROLES = (Role.REGISTRY_EDITOR, Role.INVESTIGATOR)
MAX_PROBLEMS = 50
KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")


def editor_required(user: AnyUser | None) -> User:
    """The user, when they may write case law (registry editors, investigators/prosecutors)."""
    return require_role(user, *EDITOR_ROLES)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


class _Problems:
    """What is wrong with a file, each named by decision and field (never by a value)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, key: str, where: str, what: str) -> None:
        self.items.append("{}: {}: {}".format(key, where, what))

    def raise_any(self) -> None:
        if self.items:
            shown = self.items[:MAX_PROBLEMS]
            more = len(self.items) - len(shown)
            text = "; ".join(shown) + (_(" (and {} more)").format(more) if more else "")
            raise ApplicationError(
                _("The case law was not imported, nothing was written: {}").format(text),
                code="invalid",
            )


def _validation_text(exc: ValidationError) -> list[tuple[str, str]]:
    """(where, what) for each error, without the value given."""
    out = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        out.append((where, str(error["msg"])))
    return out


def parse_file(data: Any) -> list[CourtDecisionIn]:
    """The decisions of a case-law file (ApplicationError naming every problem)."""
    problems = _Problems()
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ApplicationError(
            _('Not a case-law file: it must be an object with "format": "{}".').format(FORMAT),
            code="invalid",
        )
    raw = data.get("decisions")
    if not isinstance(raw, list):
        raise ApplicationError(_('A case-law file has a list of "decisions".'), code="invalid")
    decisions = []
    for i, item in enumerate(raw):
        key = item.get("key") if isinstance(item, dict) else None
        name = key if isinstance(key, str) and KEY.fullmatch(key) else "decision {}".format(i + 1)
        try:
            decisions.append(CourtDecisionIn.model_validate(item))
        except ValidationError as exc:
            for where, what in _validation_text(exc):
                problems.add(name, where, what)
    problems.raise_any()
    FileIn(format=FORMAT, decisions=decisions)
    return decisions


@dataclass
class _Resolved:
    """What a decision's references resolve to, found before anything is written."""

    keywords: dict[str, Keyword]
    countries: set[str]
    mechanisms: dict[str, Mechanism]
    legislation: set[int]
    decisions: dict[str, Decision]
    documents: set[str]


def _resolve(decisions: Sequence[CourtDecisionIn]) -> _Resolved:
    codes = {k for d in decisions for k in d.keywords}
    newest: dict[str, Keyword] = {}
    for keyword in Keyword.objects.filter(code__in=codes).order_by("vocabulary__published_on"):
        newest[keyword.code] = keyword  # a code's newest version
    countries = {d.court.country for d in decisions if d.court.country}
    countries |= {row.country for d in decisions for row in d.countries}
    acronyms = {d.court.mechanism for d in decisions if d.court.mechanism}
    laws = {f.legislation for d in decisions for f in d.findings if f.legislation is not None}
    appealed = {d.appeal_of for d in decisions if d.appeal_of}
    return _Resolved(
        keywords=newest,
        countries=set(Country.objects.filter(iso3__in=countries).values_list("iso3", flat=True)),
        mechanisms={m.acronym: m for m in Mechanism.objects.filter(acronym__in=acronyms)},
        legislation=set(Legislation.objects.filter(pk__in=laws).values_list("pk", flat=True)),
        decisions={d.key: d for d in Decision.objects.filter(key__in=appealed)},
        documents=set(
            Document.objects.filter(
                key__in={s.document for d in decisions for s in d.sources}
            ).values_list("key", flat=True)
        ),
    )


def _check_references(
    d: CourtDecisionIn, found: _Resolved, in_file: set[str], problems: _Problems
) -> None:
    court = d.court
    if court.country and court.country not in found.countries:
        problems.add(d.key, "court.country", _("not an ISO 3166-1 alpha-3 code"))
    if court.mechanism and court.mechanism not in found.mechanisms:
        problems.add(d.key, "court.mechanism", _("not a mechanism of the registry"))
    for i, row in enumerate(d.countries):
        if row.country not in found.countries:
            problems.add(
                d.key, "countries.{}.country".format(i), _("not an ISO 3166-1 alpha-3 code")
            )
    for code in d.keywords:
        if code not in found.keywords:
            problems.add(d.key, "keywords", _("{} is not in the vocabulary").format(code))
    if d.appeal_of == d.key:
        problems.add(d.key, "appeal_of", _("a decision cannot be an appeal of itself"))
    elif d.appeal_of and d.appeal_of not in in_file and d.appeal_of not in found.decisions:
        problems.add(d.key, "appeal_of", _("no decision has this key"))
    for i, source in enumerate(d.sources):
        if source.document not in found.documents and not source.title:
            problems.add(d.key, "sources.{}".format(i), _("an unknown document needs its title"))


def _check_parts(d: CourtDecisionIn, found: _Resolved, problems: _Problems) -> None:
    languages = [s.language for s in d.summaries]
    if len(set(languages)) < len(languages):
        problems.add(d.key, "summaries", _("two summaries in one language"))
    for i, summary in enumerate(d.summaries):
        if not summary.facts.strip():
            problems.add(d.key, "summaries.{}.facts".format(i), _("the facts are required"))
    labels = [p.label for p in d.parties]
    if len(set(labels)) < len(labels):
        problems.add(d.key, "parties", _("two parties have one label"))
    for i, finding in enumerate(d.findings):
        where = "findings.{}".format(i)
        if finding.party not in labels:
            problems.add(d.key, where + ".party", _("not the label of a party"))
        if finding.legislation is not None and finding.legislation not in found.legislation:
            problems.add(d.key, where + ".legislation", _("no such legislation"))
        custody, suspended = finding.custody_months, finding.suspended_months
        if suspended is not None and (custody is None or suspended > custody):
            problems.add(d.key, where + ".suspended_months", _("more than the custody imposed"))


def _check(decisions: Sequence[CourtDecisionIn], found: _Resolved) -> None:
    problems = _Problems()
    counts = Counter(d.key for d in decisions)
    for key in sorted(k for k, n in counts.items() if n > 1):
        problems.add(key, "key", _("given twice in the file"))
    for d in decisions:
        _check_references(d, found, set(counts), problems)
        _check_parts(d, found, problems)
    problems.raise_any()


def _court(data: CourtDecisionIn, found: _Resolved) -> Court:
    court, _created = Court.objects.update_or_create(
        name=data.court.name,
        defaults={
            "country_id": data.court.country,
            "mechanism": found.mechanisms.get(data.court.mechanism or ""),
            "level": data.court.level,
        },
    )
    return court


def _source(data: Any) -> Source:
    document, _created = Document.objects.get_or_create(
        key=data.document,
        defaults={
            "title": data.title,
            "url": data.url,
            "publisher": data.publisher,
            "date": data.date,
        },
    )
    source, _created = Source.objects.get_or_create(
        document=document, locator=data.locator, defaults={"url": data.url}
    )
    return source


def _write(
    data: CourtDecisionIn, found: _Resolved, actor: User | None, written: dict[str, Decision]
) -> bool:
    """Write one checked decision (its parts replaced); True when it is new."""
    appeal = written.get(data.appeal_of or "") or found.decisions.get(data.appeal_of or "")
    values: dict[str, Any] = {
        "title": data.title,
        "court": _court(data, found),
        "decided_on": data.decided_on,
        "case_number": data.case_number,
        "neutral_citation": data.neutral_citation,
        "instance": data.instance,
        "appeal_of": appeal,
        "language": data.language,
        "status": data.status,
        "forms": list(data.forms),
        "acts": [str(v) for v in data.elements.acts],
        "means": [str(v) for v in data.elements.means],
        "purposes": [str(v) for v in data.elements.purposes],
    }
    decision = Decision.objects.filter(key=data.key).first()
    new = decision is None
    if decision is None:
        decision = Decision(key=data.key, created_by=actor, **values)
    else:
        for name, value in values.items():
            setattr(decision, name, value)
    decision.full_clean(exclude=["appeal_of", "court", "created_by"])
    decision.save()
    for model in (Summary, DecisionCountry, Finding, Party):
        model._default_manager.filter(decision=decision).delete()
    Summary.objects.bulk_create(
        Summary(decision=decision, **s.model_dump()) for s in data.summaries
    )
    DecisionCountry.objects.bulk_create(
        DecisionCountry(decision=decision, country_id=r.country, role=r.role)
        for r in data.countries
    )
    parties = {
        p.label: Party.objects.create(decision=decision, label=p.label, role=p.role)
        for p in data.parties
    }
    for f in data.findings:
        values = f.model_dump(exclude={"party", "legislation"})
        Finding.objects.create(
            decision=decision, party=parties[f.party], legislation_id=f.legislation, **values
        )
    decision.keywords.set([found.keywords[code] for code in data.keywords])
    decision.sources.set([_source(s) for s in data.sources])
    index(decision)
    return new


def decisions_import(*, actor: AnyUser | None, data: Any, system: bool = False) -> ImportReport:
    """Import a case-law file: every decision checked, then all written in one transaction
    (a decision with the same key replaced whole), indexed and audited; nothing written if
    anything is wrong. `system`: the seed data, loaded without a user."""
    user = None if system else editor_required(actor)
    decisions = parse_file(data)
    report = ImportReport()
    with transaction.atomic():
        found = _resolve(decisions)
        _check(decisions, found)
        written: dict[str, Decision] = {}
        # Decisions appealed first, so that an appeal in the same file finds its decision.
        for item in _appeals_last(decisions):
            new = _write(item, found, user, written)
            written[item.key] = Decision.objects.get(key=item.key)
            (report.created if new else report.updated).append(item.key)
            audit_record(
                actor=user,
                action=AuditAction.CREATE if new else AuditAction.UPDATE,
                obj=written[item.key],
                after={"key": item.key, "status": item.status},
                actor_label="" if user else "caselaw load",
            )
    return report


def _appeals_last(decisions: Sequence[CourtDecisionIn]) -> list[CourtDecisionIn]:
    by_key = {d.key: d for d in decisions}
    order: list[CourtDecisionIn] = []
    seen: set[str] = set()

    def visit(item: CourtDecisionIn, depth: int = 0) -> None:
        if item.key in seen or depth > len(decisions):
            return
        parent = by_key.get(item.appeal_of or "")
        if parent is not None:
            visit(parent, depth + 1)
        seen.add(item.key)
        order.append(item)

    for item in decisions:
        visit(item)
    return order


def decision_publish(*, actor: AnyUser | None, decision: Decision, reason: str = "") -> Decision:
    """Publish a draft: from then on everyone may read it. A draft flagged for re-identification
    risk (drafted from a case) needs the reason it may be published: the facts were
    generalised, or why they may stand (audited)."""
    user = editor_required(actor)
    if decision.status == Status.PUBLISHED:
        raise ApplicationError(_("This decision is published already."), code="conflict")
    if decision.risk_flags and not reason.strip():
        raise ApplicationError(
            _(
                "This draft may identify a victim ({}): generalise the facts, then give the "
                "reason it may be published."
            ).format(" ".join(decision.risk_flags)),
            code="reidentification_risk",
        )
    with transaction.atomic():
        decision.status = Status.PUBLISHED
        decision.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=decision,
            before={"status": Status.DRAFT},
            after={"status": Status.PUBLISHED, "risks": len(decision.risk_flags)},
            reason=reason.strip()[:500],
        )
    return decision


# --- the search index ------------------------------------------------------------------------


def _texts(decision: Decision) -> list[tuple[str, str]]:
    """(language, text) for each language the decision is searched in."""
    return search.texts(
        common=[
            decision.title,
            decision.case_number,
            decision.neutral_citation,
            decision.court.name,
        ],
        keywords=[(k.label, k.labels) for k in decision.keywords.all()],
        summaries=[(s.language, [s.title, s.facts, s.reasoning]) for s in decision.summaries.all()],
    )


def index(decision: Decision) -> None:
    """Write the decision's search texts again (inside the caller's transaction)."""
    SearchText.objects.filter(decision=decision).delete()
    SearchText.objects.bulk_create(
        SearchText(decision=decision, language=language, text=text)
        for language, text in search.index_rows(_texts(decision))
    )


def index_all(decisions: Iterable[Decision] | None = None) -> int:
    """Index every decision again (after a change of the index's languages); returns how many."""
    done = 0
    with transaction.atomic():
        for decision in decisions if decisions is not None else Decision.objects.all():
            index(decision)
            done += 1
    return done


# --- the vocabulary and the seed -------------------------------------------------------------


def vocabulary_load(path: Path | None = None) -> int:
    """Load the keyword vocabulary (a YAML file: version, published_on, keywords); a version is
    written once and never changed. Returns how many keywords were added."""
    data = yaml.safe_load((path or DATA_DIR / "vocabulary.yaml").read_text(encoding="utf-8"))
    with transaction.atomic():
        vocabulary, created = Vocabulary.objects.get_or_create(
            version=str(data["version"]),
            defaults={"published_on": dt.date.fromisoformat(str(data["published_on"]))},
        )
        if not created:
            return 0
        Keyword.objects.bulk_create(
            Keyword(
                vocabulary=vocabulary,
                code=item["code"],
                label=item["label"],
                labels=item.get("labels", {}),
                sherloc=item.get("sherloc", []),
            )
            for item in data["keywords"]
        )
        return len(data["keywords"])


def seed_load() -> ImportReport:
    """The vocabulary and the decisions the seed documents name, with their sources; decisions
    already here are left as they are (an editor may have changed them)."""
    vocabulary_load()
    data = json.loads((DATA_DIR / "decisions.json").read_text(encoding="utf-8"))
    known = set(Decision.objects.values_list("key", flat=True))
    data["decisions"] = [d for d in data["decisions"] if d.get("key") not in known]
    if not data["decisions"]:
        return ImportReport()
    return decisions_import(actor=None, data=data, system=True)
