"""The themes an activity addresses and a need names (issue 17): the articles of the Trafficking
in Persons Protocol and of UNTOC that technical assistance serves, as codes that travel as IATI
tags (`iati.THEMES_URI`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.activities.models import Profession

THEMES = {
    "protocol-art-5": _("Criminalisation (Protocol art. 5)"),
    "protocol-art-6": _("Assistance to and protection of victims (Protocol art. 6)"),
    "protocol-art-7": _("Status of victims in receiving States (Protocol art. 7)"),
    "protocol-art-8": _("Repatriation of victims (Protocol art. 8)"),
    "protocol-art-9": _("Prevention (Protocol art. 9)"),
    "protocol-art-10": _("Information exchange and training (Protocol art. 10)"),
    "protocol-art-11": _("Border measures (Protocol art. 11)"),
    "protocol-art-12": _("Security and control of documents (Protocol art. 12)"),
    "untoc-art-16": _("Extradition (UNTOC art. 16)"),
    "untoc-art-18": _("Mutual legal assistance (UNTOC art. 18)"),
    "untoc-art-19": _("Joint investigations (UNTOC art. 19)"),
    "untoc-art-29": _("Training and technical assistance (UNTOC art. 29)"),
}


def theme_label(code: str) -> str:
    return str(THEMES.get(code, code))


def vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """The codes a questionnaire's `palermo_need` may name: themes and professions."""
    return frozenset(THEMES), frozenset(Profession.values)
