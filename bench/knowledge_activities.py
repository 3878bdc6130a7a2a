"""The clearing house's part of `make bench-knowledge` (issue 17): an IATI 2.03 file of
BENCH_ACTIVITIES activity reports (default 50,000) imported, duplicates across reporters
detected, next to the floor of any IATI import (parsing the same file and validating it against
the standard's schema) in the same run.

A seeded generator draws activities (trainings, technical assistance ...) in 80 countries from
2015 to 2026, each reported once, twice or three times (its donor, its implementer, its host
State: other identifiers, the title reworded or in French, planned or actual dates), so that
the truth of which reports are one activity is known and the grouping is scored (pairwise
precision and recall).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections import defaultdict
from typing import Any

COUNTRIES = 80
TOPICS = (
    (
        "Joint training of police and prosecutors on trafficking for forced labour",
        "Formation conjointe de policiers et de procureurs sur la traite aux fins de travail forcé",
    ),
    (
        "Training of labour inspectors on identifying victims of trafficking",
        "Formation des inspecteurs du travail à l'identification des victimes de la traite",
    ),
    (
        "Technical assistance to the national referral mechanism",
        "Assistance technique au mécanisme national d'orientation",
    ),
    (
        "Support to the drafting of the anti-trafficking law",
        "Appui à la rédaction de la loi contre la traite",
    ),
    (
        "Equipment for shelters for victims of trafficking",
        "Équipement des foyers pour victimes de la traite",
    ),
    (
        "Awareness campaign on safe migration and recruitment fraud",
        "Campagne de sensibilisation à la migration sûre et aux fraudes au recrutement",
    ),
    (
        "Research on trafficking routes and the demand for forced labour",
        "Recherche sur les routes de la traite et la demande de travail forcé",
    ),
    (
        "Training of judges on the non-punishment of victims",
        "Formation des juges à la non-sanction des victimes",
    ),
)
PROJECTS = tuple(
    "project {}".format(name)
    for name in (
        "Amani",
        "Baraka",
        "Candela",
        "Dignidad",
        "Espoir",
        "Faro",
        "Horizon",
        "Imani",
        "Jasiri",
        "Kesho",
        "Luz",
        "Mwanga",
        "Nuevo Camino",
        "Ondo",
        "Puente",
        "Refuge",
        "Salama",
        "Tumaini",
        "Umoja",
        "Vida",
        "Wema",
        "Xanadu",
        "Yemaya",
        "Zawadi",
        "Alba",
        "Brisa",
        "Cielo",
        "Delta",
    )
)
PLACES = (
    "northern region",
    "coastal provinces",
    "capital district",
    "border areas",
    "southern states",
    "eastern region",
)


def _activity(
    identifier: str,
    reporter: str,
    title: str,
    lang: str,
    start: dt.date,
    end: dt.date,
    actual: bool,
    country: str,
    donor: str,
    implementer: str,
) -> str:
    types = ("2", "4") if actual else ("1", "3")
    return (
        '<iati-activity xml:lang="{lang}" default-currency="EUR">'
        "<iati-identifier>{id}</iati-identifier>"
        '<reporting-org ref="{rep}" type="10"><narrative>{rep}</narrative></reporting-org>'
        "<title><narrative>{title}</narrative></title>"
        "<description><narrative>{title}</narrative></description>"
        '<participating-org role="1" ref="{donor}"><narrative>{donor}</narrative>'
        "</participating-org>"
        '<participating-org role="4" ref="{impl}"><narrative>{impl}</narrative>'
        "</participating-org>"
        '<activity-status code="2"/>'
        '<activity-date type="{t1}" iso-date="{start}"/>'
        '<activity-date type="{t2}" iso-date="{end}"/>'
        '<recipient-country code="{country}"/>'
        '<transaction><transaction-type code="2"/><transaction-date iso-date="{start}"/>'
        '<value currency="EUR" value-date="{start}">100000</value></transaction>'
        "</iati-activity>"
    ).format(
        lang=lang,
        id=identifier,
        rep=reporter,
        title=title,
        donor=donor,
        impl=implementer,
        t1=types[0],
        t2=types[1],
        start=start.isoformat(),
        end=end.isoformat(),
        country=country,
    )


def generate(n: int, rng: random.Random, countries: list[str]) -> tuple[bytes, dict[str, int]]:
    """An IATI file of about `n` reports, and which activity each report is of."""
    chosen = countries[:COUNTRIES]
    donors = ["XM-DAC-{}".format(i) for i in range(40)]
    implementers = ["XI-IMPL-{}".format(i) for i in range(400)]
    parts: list[str] = []
    truth: dict[str, int] = {}
    activity = 0
    while len(truth) < n:
        activity += 1
        country = rng.choice(chosen)
        english, french = rng.choice(TOPICS)
        place = rng.choice(PLACES)
        project = rng.choice(PROJECTS)
        start = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(12 * 365))
        end = start + dt.timedelta(days=rng.choice((5, 30, 180, 365, 730)))
        donor, implementer = rng.choice(donors), rng.choice(implementers)
        reporters = [(donor, "en"), (implementer, "en"), ("XM-GOV-" + country, "fr")]
        for k, (reporter, lang) in enumerate(reporters[: rng.choice((1, 1, 2, 2, 3))]):
            identifier = "{}-A{}-{}".format(reporter, activity, k)
            title = "{}, {} ({})".format(english if lang == "en" else french, place, project)
            if k == 1:
                title = "{} ({})".format(title, country)
            shift = dt.timedelta(days=rng.randrange(0, 20))
            parts.append(
                _activity(
                    identifier,
                    reporter,
                    title,
                    lang,
                    start + shift,
                    end + shift,
                    k == 1,
                    country,
                    donor,
                    implementer,
                )
            )
            truth[identifier] = activity
    content = '<?xml version="1.0"?><iati-activities version="2.03">{}</iati-activities>'.format(
        "".join(parts)
    )
    return content.encode(), truth


def _pairs(groups: dict[Any, set[str]]) -> set[frozenset[str]]:
    return {
        frozenset(p)
        for members in groups.values()
        for p in itertools.combinations(sorted(members), 2)
    }


def run(n: int, rng: random.Random) -> list[str]:
    """Import the file, score the grouping; the lines of the table."""
    from lxml import etree  # noqa: PLC0415

    from palermo.activities import iati  # noqa: PLC0415
    from palermo.activities.models import Activity  # noqa: PLC0415
    from palermo.activities.services import activities_import  # noqa: PLC0415
    from palermo.core.choices import Role  # noqa: PLC0415
    from palermo.core.models import Country, Organisation, User  # noqa: PLC0415

    codes = sorted(Country.objects.filter(iso3__regex=r"^[A-Z]{3}$").values_list("iso3", flat=True))
    import pycountry  # noqa: PLC0415

    iso2 = [
        c.alpha_2
        for c in (pycountry.countries.get(alpha_3=code) for code in codes)
        if c is not None
    ]
    content, truth = generate(n, rng, iso2)
    start = time.perf_counter()
    etree.XMLSchema(etree.parse(str(iati.SCHEMA_PATH))).validate(
        etree.fromstring(content, etree.XMLParser(resolve_entities=False, huge_tree=True))
    )
    floor = time.perf_counter() - start
    org = Organisation.objects.create(name="Bench clearing house")
    editor = User.objects.create(
        username="bench-editor", role=Role.REGISTRY_EDITOR, organisation=org
    )
    start = time.perf_counter()
    report = activities_import(actor=editor, content=content, source="bench.xml")
    took = time.perf_counter() - start
    found: dict[Any, set[str]] = defaultdict(set)
    for identifier, group in Activity.objects.values_list("iati_identifier", "group"):
        found[group].add(identifier)
    expected: dict[Any, set[str]] = defaultdict(set)
    for identifier, activity in truth.items():
        expected[activity].add(identifier)
    got, want = _pairs(found), _pairs(expected)
    right = len(got & want)
    precision = right / len(got) if got else 1.0
    recall = right / len(want) if want else 1.0
    return [
        "IATI import of {:,} reports ({:.1f} MB): {:.1f} s (created {:,}); goal < 60 s: {}".format(
            len(truth), len(content) / 1e6, took, report.created, "met" if took < 60 else "NOT met"
        ),
        "reference: parsing the file and validating it against the IATI schema alone: {:.1f} s "
        "(import x{:.1f})".format(floor, took / floor),
        "duplicates across reporters: {:,} activities reported several times; pairs precision "
        "{:.3f}, recall {:.3f}".format(report.grouped, precision, recall),
    ]
