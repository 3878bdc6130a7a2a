"""Importing the CTDC layout: the Counter Trafficking Data Collaborative's global synthetic
dataset (27 columns), each row a de-identified closed case with one victim.

Owns the CTDC columns and their mapping to HTCDS codes (see `ctdc_plans` for every rule) and
turns a CTDC file into `writer.CasePlan`s, refusing it with every bad row named.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.interchange.checking import Checker
from palermo.cases.interchange.errors import (
    InterchangeError,
    RecordError,
    file_changed,
    file_problem,
)
from palermo.cases.interchange.reading import RawRecord, Source, csv_rows
from palermo.cases.writer import CasePlan, PersonPlan
from palermo.core.models import Organisation
from palermo.core.progress import Progress

CTDC_COLUMNS = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "traffickMonths",
    "meansDebtBondageEarnings",
    "meansThreats",
    "meansAbusePsyPhySex",
    "meansFalsePromises",
    "meansDrugsAlcohol",
    "meansDenyBasicNeeds",
    "meansExcessiveWorkHours",
    "meansWithholdDocs",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "typeOfLabourAgriculture",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
)
CTDC_GENDER = {
    "woman": h.Gender.FEMININE,
    "female": h.Gender.FEMININE,
    "man": h.Gender.MASCULINE,
    "male": h.Gender.MASCULINE,
    "trans": h.Gender.NON_CONFORMING,
    "transgender": h.Gender.NON_CONFORMING,
    "trans/transgender": h.Gender.NON_CONFORMING,
    "trans/transgender/nonconforming": h.Gender.NON_CONFORMING,
    "nonconforming": h.Gender.NON_CONFORMING,
    "gender non-conforming": h.Gender.NON_CONFORMING,
    "unknown": h.Gender.NON_SPECIFIED_UNKNOWN,
}
CTDC_AGE_BANDS = ("0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+")
CTDC_MONTHS = ("0-12", "13-24", "25+")
CTDC_MEANS: dict[str, tuple[str, ...]] = {
    "meansDebtBondageEarnings": (h.MethodOfControl.DEBT_BONDAGE, h.MethodOfControl.TAKES_EARNINGS),
    "meansThreats": (h.MethodOfControl.PHYSICAL_THREATS,),
    "meansAbusePsyPhySex": (
        h.MethodOfControl.PSYCHOLOGICAL_ABUSE,
        h.MethodOfControl.PHYSICAL_ABUSE,
        h.MethodOfControl.SEXUAL_ABUSE,
    ),
    "meansFalsePromises": (h.MethodOfControl.FALSE_PROMISES,),
    "meansDrugsAlcohol": (h.MethodOfControl.PSYCHOACTIVE_SUBSTANCE,),
    "meansDenyBasicNeeds": (h.MethodOfControl.WITHHOLDS_NECESSITIES,),
    "meansExcessiveWorkHours": (h.MethodOfControl.EXCESSIVE_WORKING_HOURS,),
    "meansWithholdDocs": (h.MethodOfControl.WITHHOLDS_DOCUMENTS,),
}
CTDC_EXPLOITATION = {
    "isForcedLabour": h.TypeOfExploitation.FORCED_LABOUR,
    "isSexualExploit": h.TypeOfExploitation.SEXUAL_EXPLOITATION,
    "isOtherExploit": h.TypeOfExploitation.OTHER,
}
CTDC_INDUSTRY = {  # in this order of precedence: HTCDS has one industry per person
    "typeOfLabourAgriculture": h.ForcedLabourIndustry.A_AGRICULTURE_FORESTRY_AND_FISHING,
    "typeOfLabourConstruction": h.ForcedLabourIndustry.F_CONSTRUCTION,
    "typeOfLabourDomesticWork": h.ForcedLabourIndustry.T_ACTIVITIES_OF_HOUSEHOLDS_AS_EMPLOYERS,
    "typeOfLabourHospitality": h.ForcedLabourIndustry.I_ACCOMMODATION_AND_FOOD_SERVICE_ACTIVITIES,
}
CTDC_SEX = {
    "typeOfSexProstitution": h.TypeOfSexExploitation.PROSTITUTION,
    "typeOfSexPornography": h.TypeOfSexExploitation.PORNOGRAPHY,
}
CTDC_RELATION = {  # in this order of precedence: HTCDS has one relationship per person
    "recruiterRelationFamily": h.RelationshipToTrafficker.FAMILIAL,
    "recruiterRelationIntimatePartner": h.RelationshipToTrafficker.ACQUAINTED,
    "recruiterRelationFriend": h.RelationshipToTrafficker.ACQUAINTED,
    "recruiterRelationOther": "",
}


def _ctdc_band(value: str) -> str:
    """'0--8', '0–8' and '0-8' are the same band."""
    return re.sub(r"\s*(?:--|–|-)\s*", "-", value.strip())


CTDC_FLAGS = CTDC_COLUMNS[6:]  # columns that hold 1 or nothing


def ctdc_plans(path: Path, *, organisation: Organisation) -> list[CasePlan]:
    """Read a file in the CTDC global synthetic dataset layout as de-identified cases (an
    import reads it twice instead, `ctdc_check` then `ctdc_plans_read`, never holding them all).

    Each row becomes a closed case with one victim and no identifying data. The mapping:

    - yearOfRegistration -> the case opened (and closed) on 1 January of that year: CTDC gives
      the year only. Status `Closed`, reason "imported from CTDC"; the record is already
      de-identified, so retention has nothing to remove. A year in the future or before 1900
      is an impossible date.
    - Person: role `victim`, vic_TraffickingStatus `ActualVictimOfTrafficking` (CTDC records
      victims identified or assisted by its contributors; who decided is not recorded).
    - gender: Woman/Female -> Feminine, Man/Male -> Masculine; Trans, Transgender,
      Trans/Transgender, NonConforming (CTDC merges them) -> NonConforming, the one HTCDS value
      that asserts neither direction, so the group stays countable apart from missing data
      (TransgenderFeminine/-Masculine cannot be told apart). Empty -> not recorded.
    - ageBroad (0-8, 9-17, 18-20, 21-23, 24-26, 27-29, 30-38, 39-47, 48+) -> age at
      registration = the band's lower bound. The lower bounds differ, so the band can be
      recovered, and child or adult status is exact (9-17 is a child, 18-20 an adult).
    - citizenship -> prs_Citizenship (ISO alpha-3 or alpha-2); CountryOfExploitation -> one
      movement (hte_Type Exploitation) in that country, undated.
    - traffickMonths (0-12, 13-24, 25+): HTCDS has no duration; kept as that movement's
      description "exploited for N months (CTDC traffickMonths)".
    - means* -> vic_MethodsOfControl: DebtBondageEarnings -> DebtBondage + TakesEarnings;
      Threats -> PhysicalThreats; AbusePsyPhySex -> PsychologicalAbuse + PhysicalAbuse +
      SexualAbuse; FalsePromises -> FalsePromises; DrugsAlcohol -> PsychoactiveSubstance;
      DenyBasicNeeds -> WithholdsNecessities; ExcessiveWorkHours -> ExcessiveWorkingHours;
      WithholdDocs -> WithholdsDocuments. A CTDC flag that merges several HTCDS values maps to
      all of them: counts of those single values over CTDC cases are upper bounds.
    - isForcedLabour -> ForcedLabour, isSexualExploit -> SexualExploitation, isOtherExploit ->
      Other (vic_TypeOfExploitation).
    - typeOfLabour* -> vic_ForcedLabourIndustry (ISIC): Agriculture -> A, Construction -> F,
      DomesticWork -> T (households as employers), Hospitality -> I. HTCDS holds one
      industry: with several flags, the first in that order is kept.
    - typeOfSex* -> vic_TypeOfSexExploitation: Prostitution, Pornography.
    - recruiterRelation* -> vic_RelationshipToTrafficker: Family -> Familial; IntimatePartner
      and Friend -> Acquainted; Other -> not recorded (it may be a stranger or not). One
      value: Family first, then IntimatePartner, Friend.
    - Flag columns hold 1 or nothing; any other value refuses the file. The header must have
      exactly the 27 columns (in any order).
    """
    digest, _count = ctdc_check(path, organisation=organisation)
    return list(ctdc_plans_read(path, organisation=organisation, digest=digest))


def _ctdc_file(
    path: Path, organisation: Organisation
) -> tuple[Source, Iterator[tuple[int, tuple[int, dict[str, str]]]], Checker]:
    """A reading of a CTDC file whose header is checked: its numbered rows and a checker."""
    source = Source(path, invalid=_("not UTF-8 text ({})"))
    header, rows = csv_rows(path, source)
    missing = [name for name in CTDC_COLUMNS if name not in header]
    unknown = [name for name in header if name not in CTDC_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(
                _("{}: missing CTDC column(s): {}").format(path.name, ", ".join(missing))
            )
        if unknown:
            problems.append(_("{}: unknown column(s): {}").format(path.name, ", ".join(unknown)))
        raise InterchangeError(problems, len(problems))
    if organisation.country_id is None:
        raise file_problem(
            path.name, _("{} has no country, which the cases need").format(organisation)
        )
    checker = Checker(file_name=path.name, organisation=organisation, csv_mode=True)
    return source, enumerate(rows, start=1), checker


def ctdc_check(
    path: Path, *, organisation: Organisation, checking: Progress | None = None
) -> tuple[bytes, int]:
    """The first reading of a CTDC file: every row checked (InterchangeError lists the bad
    ones); the digest of the bytes read and the number of rows. `checking` is told how much of
    the file (per cent) is read."""
    source, rows, checker = _ctdc_file(path, organisation)
    count = 0
    shown = -1
    for count, (line, row) in rows:  # noqa: B007 - the last count is the number of rows
        try:
            _ctdc_row(row, checker)
        except RecordError as exc:
            checker.fail(RawRecord(count, row, line), str(exc))
        percent = source.done * 100 // max(source.size, 1)
        if checking is not None and percent != shown:
            shown = percent
            checking(min(percent, 100), 100)
    checker.raise_if_failed()
    return source.digest(), count


def ctdc_plans_read(
    path: Path, *, organisation: Organisation, digest: bytes
) -> Generator[CasePlan, None, None]:
    """The second reading of a checked CTDC file: a plan per row. A file whose bytes are not
    those `digest` says were checked is refused."""
    source, rows, checker = _ctdc_file(path, organisation)
    country = organisation.country_id or ""
    reason = "imported from CTDC ({})".format(path.name)[:200]  # data, kept in English
    try:
        for _number, (_line, row) in rows:
            opened, person = _ctdc_row(row, checker)
            yield CasePlan(
                opened_on=opened,
                country=country,
                status=h.CaseStatus.CLOSED,
                closed_on=opened,
                reason_for_closure=reason,
                persons=[person],
            )
    except (InterchangeError, RecordError):
        raise file_changed(path) from None
    if source.digest() != digest:
        raise file_changed(path)


def _cell(row: dict[str, str], name: str) -> str:
    return (row.get(name) or "").strip()


def _ctdc_row(row: dict[str, str], checker: Checker) -> tuple[dt.date, PersonPlan]:
    """The day a CTDC row's case opened and its victim."""
    for name in CTDC_FLAGS:
        if _cell(row, name) not in ("", "1"):
            raise RecordError(_("{} must be 1 or empty, not '{}'").format(name, row[name]))
    flag = {name: _cell(row, name) == "1" for name in CTDC_FLAGS}
    year_text = _cell(row, "yearOfRegistration")
    if not year_text.isdigit() or not 1900 <= int(year_text) <= checker.today.year:
        raise RecordError(_("impossible yearOfRegistration '{}'").format(year_text))
    gender = _gender(_cell(row, "gender"))
    age = _age(row.get("ageBroad") or "")
    months = _months(row.get("traffickMonths") or "")
    citizenship_text = _cell(row, "citizenship")
    citizenship = (
        [checker.values.country(citizenship_text, "citizenship")] if citizenship_text else []
    )
    movements = _movements(_cell(row, "CountryOfExploitation"), months, checker)
    facts: dict[str, Any] = {
        "role": c.PersonRole.VICTIM,
        "gender": gender,
        "age_at_registration": age,
        "age_uncertain": False,
        "deceased": False,
        "agreement_to_manage_personal_data": False,
        "citizenship": citizenship,
        "trafficking_status": h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING,
        "methods_of_control": sorted(
            {v for name, codes in CTDC_MEANS.items() if flag[name] for v in codes}
        ),
        "types_of_exploitation": sorted({v for name, v in CTDC_EXPLOITATION.items() if flag[name]}),
        "forced_labour_industry": next((v for name, v in CTDC_INDUSTRY.items() if flag[name]), ""),
        "types_of_sex_exploitation": sorted({v for name, v in CTDC_SEX.items() if flag[name]}),
        "relationship_to_trafficker": next(
            (v for name, v in CTDC_RELATION.items() if flag[name]), ""
        ),
    }
    return dt.date(int(year_text), 1, 1), PersonPlan(facts=facts, movements=movements)


def _gender(text: str) -> str:
    gender = CTDC_GENDER.get(text.lower()) if text else ""
    if gender is None:
        raise RecordError(
            _("unknown code '{}' for gender (Woman, Man, Trans/Transgender, NonConforming)").format(
                text
            )
        )
    return gender


def _age(text: str) -> int | None:
    band = _ctdc_band(text)
    if band and band not in CTDC_AGE_BANDS:
        raise RecordError(
            _("unknown code '{}' for ageBroad ({})").format(text, ", ".join(CTDC_AGE_BANDS))
        )
    return int(re.split(r"[-+]", band)[0]) if band else None


def _months(text: str) -> str:
    months = _ctdc_band(text)
    if months and months not in CTDC_MONTHS:
        raise RecordError(
            _("unknown code '{}' for traffickMonths ({})").format(text, ", ".join(CTDC_MONTHS))
        )
    return months


def _movements(exploited_in: str, months: str, checker: Checker) -> list[dict[str, Any]]:
    """The country of exploitation as one undated movement, with how long it lasted (kept in
    English, as the file's data)."""
    if not exploited_in:
        return []
    return [
        {
            "event_type": h.EventType.EXPLOITATION,
            "country": checker.values.country(exploited_in, "CountryOfExploitation"),
            "state": "",
            "city": "",
            "date": None,
            "end_date": None,
            "description": "exploited for {} months (CTDC traffickMonths)".format(months)
            if months
            else "",
        }
    ]
