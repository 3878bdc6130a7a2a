"""Lists of international organisations in United Nations editorial style, in the six UN
languages.

A consolidated report names the organisations that replied in one sentence or footnote:
"Replies were received from OHCHR, the Division for the Advancement of Women, UNODC, ..."
(E/CN.15/2005/7, note 21). `organisation_list` writes such lists:

- In UN-system order, never alphabetically: the departments and offices of the Secretariat
  first, then the funds and programmes, the research and training institutes, the specialized
  agencies (in the order of their agreements with the United Nations), the related
  organizations, and last the intergovernmental organisations outside the system. The order is
  the `rank` of `data/un_system.yaml` (its header gives the rule and the sources); paragraph 4
  of E/CN.15/2005/7 comes out in its own order. An organisation whose place in the system
  changed (IOM, a related organization since 19 September 2016) is placed as on `as_of`.
- Each by its name in the document's language: its acronym (`style="acronym"`), its full name
  (`"full"`) or both, as a first mention writes it (`"first"`: "the United Nations Children's
  Fund (UNICEF)"). An organisation that UN documents name without an acronym (the
  Secretariat's departments, the European Union, the Council of Europe) is named in full in
  every style. In running text, the article UN style writes before the name ("the Office of
  ...", "l'Office des Nations Unies ...", "la Oficina ...") and, in French and Spanish, before
  the acronym ("le HCR", "l'ONUDC", "la OIT"). The article is not contracted with a
  preposition ("de le", "de el"): the sentence around the list does that.
- Joined as the language joins a list, as for States (`countrylists`): no serial comma, "et",
  "y"/"e", "и", "、" and "和", "، و".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError
from palermo.monitoring.countrylists import LANGUAGES, joined, language_of

DATA = Path(__file__).resolve().parent / "data" / "un_system.yaml"
GROUPS = (
    "secretariat",
    "fund_programme",
    "research_training",
    "specialized_agency",
    "related",
    "other",
)
STYLES = ("acronym", "full", "first")
Style = Literal["acronym", "full", "first"]


@dataclass(frozen=True)
class OrgName:
    """An organisation's name in one language, as UN documents in that language write it."""

    name: str
    acronym: str | None
    article: str | None
    acronym_article: str | None
    language: str
    checked: bool = True

    def _with(self, article: str | None, text: str) -> str:
        if article is None:
            return text
        return article + text if article.endswith("'") else "{} {}".format(article, text)

    @property
    def full(self) -> str:
        """The full name with its article, as running text writes it."""
        return self._with(self.article, self.name)

    def in_style(self, style: Style) -> str:
        """The name as a list of that style writes it (the full name when there is no
        acronym)."""
        if self.acronym is None or style == "full":
            return self.full
        if style == "acronym":
            return self._with(self.acronym_article, self.acronym)
        template = "{}（{}）" if self.language == "zh" else "{} ({})"
        return template.format(self.full, self.acronym)


@dataclass(frozen=True)
class Organisation:
    """One entry of `data/un_system.yaml`: an organisation's place in the UN system in a
    period (`start` inclusive, `end` exclusive; None is open) and its names."""

    key: str
    rank: int
    group: str
    start: dt.date | None
    end: dt.date | None
    names: Mapping[str, OrgName]
    source: str

    def holds(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


def _name(given: Mapping[str, Any], lang: str) -> OrgName:
    def text(field: str) -> str | None:
        value = given.get(field)
        return None if value is None else str(value)

    return OrgName(
        name=str(given["name"]),
        acronym=text("acronym"),
        article=text("article"),
        acronym_article=text("acronym_article"),
        language=lang,
        checked=bool(given.get("checked", True)),
    )


@lru_cache(maxsize=1)
def organisations() -> dict[str, list[Organisation]]:
    """Every entry of `data/un_system.yaml`, by key (one entry a period, in the file's order)."""
    with DATA.open(encoding="utf-8") as f:
        entries: list[dict[str, Any]] = yaml.load(f, Loader=yaml.CSafeLoader)  # noqa: S506 - the safe loader
    out: dict[str, list[Organisation]] = {}
    for entry in entries:
        out.setdefault(str(entry["key"]), []).append(
            Organisation(
                key=str(entry["key"]),
                rank=int(entry["rank"]),
                group=str(entry["group"]),
                start=entry.get("from"),
                end=entry.get("until"),
                names={lang: _name(entry["names"][lang], lang) for lang in LANGUAGES},
                source=" ".join(str(entry["source"]).split()),
            )
        )
    return out


@lru_cache(maxsize=1)
def _keys() -> dict[str, str]:
    """The key of each accepted spelling, in lower case: the keys and the English acronyms."""
    found: dict[str, str] = {}
    for key, periods in organisations().items():
        found[key.lower()] = key
        for period in periods:
            acronym = period.names["en"].acronym
            if acronym is not None:
                found.setdefault(acronym.lower(), key)
    return found


def organisation(key_or_acronym: str, *, as_of: dt.date) -> Organisation:
    """The entry of an organisation (by key or English acronym, in any case) on `as_of`;
    ApplicationError naming it when it is unknown."""
    key = _keys().get(key_or_acronym.strip().lower())
    periods = organisations().get(key, []) if key is not None else []
    for period in periods:
        if period.holds(as_of):
            return period
    raise ApplicationError(_("Unknown organisation {}.").format(key_or_acronym), code="invalid")


def organisation_list(
    keys_or_acronyms: Iterable[str],
    *,
    language: str = "en",
    style: Style = "acronym",
    as_of: dt.date | None = None,
) -> str:
    """The organisations of `keys_or_acronyms` (keys or English acronyms, any case; repeats
    counted once) in one line, in UN-system order as on `as_of` (default: today), each named in
    `language` in the `style` (see the module's help)."""
    lang = language_of(language)
    if style not in STYLES:
        raise ApplicationError(
            _("Unknown style {}: use acronym, full or first.").format(style), code="invalid"
        )
    day = as_of or timezone.localdate()
    named: dict[str, Organisation] = {}
    for given in keys_or_acronyms:
        found = organisation(given, as_of=day)
        named.setdefault(found.key, found)
    ordered = sorted(named.values(), key=lambda org: org.rank)
    return joined([org.names[lang].in_style(style) for org in ordered], lang)
