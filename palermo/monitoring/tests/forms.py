"""XLSForm workbooks for the monitoring tests, written with openpyxl as a secretariat would."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]

SURVEY_HEADER = [
    "type",
    "name",
    "label::English (en)",
    "label::French (fr)",
    "hint::English (en)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "palermo_indicator",
]
SURVEY = [
    ["begin group", "legal", "Legislation", "Législation", "", "", "", "", "", ""],
    ["select_one yes_no", "has_law", "Has your State a law on trafficking in persons?",
     "Votre État a-t-il une loi sur la traite des personnes ?", "", "yes", "", "", "", ""],
    ["text", "law_text", "Describe the law", "Décrivez la loi", "Its title and date", "",
     "${has_law} = 'yes'", "", "", ""],
    ["file", "law_file", "The law's text", "Le texte de la loi", "", "", "${has_law} = 'yes'",
     "", "", ""],
    ["end group", "legal", "", "", "", "", "", "", "", ""],
    ["begin group", "figures", "Figures", "Chiffres", "", "", "", "", "", ""],
    ["note", "figures_note", "Give the figures of the last full year.",
     "Donnez les chiffres de la dernière année complète.", "", "", "", "", "", ""],
    ["integer", "victims", "Victims identified", "Victimes identifiées", "", "", "", ". >= 0",
     "0 or more", "victims_detected"],
    ["decimal", "budget", "Budget (millions)", "Budget (millions)", "", "", "", "", "", ""],
    ["date", "plan_date", "Date of the national plan", "Date du plan national", "", "", "", "",
     "", ""],
    ["end group", "figures", "", "", "", "", "", "", "", ""],
    ["select_multiple countries", "partners", "Countries you cooperate with",
     "Pays avec lesquels vous coopérez", "", "", "", "", "", ""],
    ["select_multiple measures", "measures", "Measures taken", "Mesures prises", "", "", "", "",
     "", ""],
    ["select_one agency", "lead", "Lead agency", "Organisme chef de file", "", "", "", "", "", ""],
]  # fmt: skip
CHOICES = [
    ["list_name", "name", "label::English (en)", "label::French (fr)"],
    ["yes_no", "yes", "Yes", "Oui"],
    ["yes_no", "no", "No", "Non"],
    ["countries", "FRA", "France", "France"],
    ["countries", "DZA", "Algeria", "Algérie"],
    ["measures", "campaign", "Awareness-raising campaign", "Campagne de sensibilisation"],
    ["measures", "hotline", "Hotline", "Ligne d'assistance"],
    ["agency", "police", "Police", "Police"],
    ["agency", "justice", "Ministry of Justice", "Ministère de la justice"],
]
SETTINGS = [
    ["form_title", "form_id", "version", "default_language"],
    ["Survey on trafficking in persons", "tip_survey", "3", "English (en)"],
]


def workbook(
    survey: list[list[Any]] | None = None,
    choices: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
    header: list[str] | None = None,
) -> bytes:
    """An XLSForm: the sample above, or the rows given."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(header or SURVEY_HEADER)
    for row in SURVEY if survey is None else survey:
        sheet.append(row)
    sheet = book.create_sheet("choices")
    for row in CHOICES if choices is None else choices:
        sheet.append(row)
    sheet = book.create_sheet("settings")
    for row in SETTINGS if settings is None else settings:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
