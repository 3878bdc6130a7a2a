"""`palermo registry parties|standing|instruments|conflicts|directory|mechanisms|members`:
registry queries."""

from __future__ import annotations

import argparse
from typing import Any

from palermo.core.management.base import PalermoCommand, render_rows
from palermo.core.services import country_get
from palermo.registry import selectors, serializers

FORMATS = ["table", "json", "csv"]


class Command(PalermoCommand):
    help = "Query the registry (public facts)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        p = sub.add_parser("parties", help="parties and signatories of an instrument as of a date")
        p.add_argument("--instrument", required=True, help="slug, e.g. trafficking-protocol")
        p.add_argument("--as-of", default="", help="YYYY-MM-DD (default: today)")
        p.add_argument("--member-of", default="", help="mechanism acronym, e.g. AALCO")
        p.add_argument(
            "--status",
            choices=["party", "signatory"],
            default=None,
            help="only parties or only signatories",
        )
        p.add_argument("--format", choices=FORMATS, default="table", help="output format")
        st = sub.add_parser(
            "standing",
            help="a state's status per instrument: party, signatory or no record (with the date "
            "the registry's sources reach)",
        )
        st.add_argument("--country", required=True, help="ISO 3166 alpha-3 code, e.g. ITA")
        st.add_argument(
            "--instrument",
            default="",
            help="slug, e.g. untoc (default: every instrument with a status list)",
        )
        st.add_argument("--as-of", default="", help="YYYY-MM-DD (default: today)")
        st.add_argument("--format", choices=FORMATS, default="table", help="output format")
        i = sub.add_parser("instruments", help="list instruments")
        i.add_argument("--format", choices=FORMATS, default="table", help="output format")
        c = sub.add_parser("conflicts", help="facts on which sources disagree")
        c.add_argument("--instrument", default="", help="only this instrument (slug)")
        c.add_argument("--country", default="", help="only this country (ISO alpha-3)")
        c.add_argument("--format", choices=FORMATS, default="table", help="output format")
        d = sub.add_parser("directory", help="authorities and focal points (no personal contacts)")
        d.add_argument("--country", default="", help="only this country (ISO alpha-3)")
        d.add_argument("--role", default="", help="only this role (e.g. central_authority)")
        d.add_argument("--format", choices=FORMATS, default="table", help="output format")
        m = sub.add_parser("mechanisms", help="regional mechanisms")
        m.add_argument("--format", choices=FORMATS, default="table", help="output format")
        mm = sub.add_parser("members", help="members of a mechanism as of a date")
        mm.add_argument("mechanism", help="mechanism acronym, e.g. AALCO")
        mm.add_argument("--as-of", default="", help="YYYY-MM-DD (default: today)")
        mm.add_argument("--format", choices=FORMATS, default="table", help="output format")

    def handle(self, *args: Any, **opts: Any) -> None:
        handler = getattr(self, "do_" + opts["sub"])
        rows, columns = handler(opts)
        self.stdout.write(render_rows(rows, columns, opts["format"]))

    def do_parties(self, opts: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
        inst = selectors.instrument_get(opts["instrument"])
        as_of = selectors.parse_as_of(opts["as_of"])
        mech = selectors.mechanism_get(opts["member_of"]) if opts["member_of"] else None
        rows = selectors.parties(
            instrument=inst, as_of=as_of, member_of=mech, status=opts["status"]
        )
        if opts["format"] == "json":
            return [r.as_dict() for r in rows], []
        flat = [
            {
                "country": r.country,
                "name": r.country_name,
                "status": r.status,
                "signed": r.signed,
                "consent": r.consent_action or "",
                "consent_date": r.consent_date,
                "in_force": r.in_force,
                "sources": [
                    "{} {}".format(s["symbol"] or s["document"], s["locator"]).strip()
                    for s in r.sources
                ],
                "conflicts": len(r.conflicts),
            }
            for r in rows
        ]
        cols = [
            "country",
            "name",
            "status",
            "signed",
            "consent",
            "consent_date",
            "in_force",
            "sources",
            "conflicts",
        ]
        return flat, cols

    def do_standing(self, opts: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
        country = country_get(opts["country"])
        as_of = selectors.parse_as_of(opts["as_of"])
        insts = [selectors.instrument_get(opts["instrument"])] if opts["instrument"] else None
        items = selectors.standings_for_country(
            country=country.iso3, as_of=as_of, instruments=insts
        )
        if opts["format"] == "json":
            return [st.as_dict() for st in items], []
        rows = [
            {
                "instrument": st.instrument,
                "status": st.status,
                "signed": st.signed,
                "consent": st.consent_action or "",
                "consent_date": st.consent_date,
                "record_until": st.record_until,
                "description": st.describe(),
            }
            for st in items
        ]
        cols = [
            "instrument",
            "status",
            "signed",
            "consent",
            "consent_date",
            "record_until",
            "description",
        ]
        return rows, cols

    def do_instruments(self, opts: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
        current_to = selectors.coverage_map()
        rows = [
            serializers.instrument_dict(i, current_to=current_to)
            for i in selectors.instrument_list()
        ]
        return rows, [
            "slug",
            "short_name",
            "kind",
            "adopted",
            "entry_into_force",
            "parent",
            "registry_current_to",
        ]

    def do_conflicts(self, opts: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
        inst = selectors.instrument_get(opts["instrument"]) if opts["instrument"] else None
        ctry = country_get(opts["country"]) if opts["country"] else None
        rows = [c.as_dict() for c in selectors.conflict_list(instrument=inst, country=ctry)]
        return rows, ["kind", "instrument", "country", "description"]

    def do_directory(self, opts: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
        entries, _ = selectors.directory_list(
            user=None,
            country=country_get(opts["country"]) if opts["country"] else None,
            role=opts["role"] or None,
        )
        rows = [serializers.directory_dict(e, show_contacts=False) for e in entries]
        return rows, ["country", "role", "organisation", "unit", "languages"]

    def do_mechanisms(self, opts: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
        rows = [serializers.mechanism_dict(m) for m in selectors.mechanism_list()]
        return rows, ["acronym", "name", "kind", "region"]

    def do_members(self, opts: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
        mech = selectors.mechanism_get(opts["mechanism"])
        as_of = selectors.parse_as_of(opts["as_of"])
        rows = [
            serializers.membership_dict(m)
            for m in selectors.membership_list(mechanism=mech).filter(
                selectors.active_membership_q(as_of)
            )
        ]
        return rows, ["country", "country_name", "role", "joined", "left"]
