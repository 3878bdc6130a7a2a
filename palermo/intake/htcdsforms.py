"""Forms an administrator adds for field teams, such as IOM's HTCDS XLSForm (issue 18): served
over OpenRosa beside the screening forms; a submission becomes a case through the cases app's
HTCDS import (one record, all of its checks, in one transaction), its fields matched to the
HTCDS columns by name (the XLSForm writes `prs_First_Name`, the HTCDS CSV `prs_FirstName`:
compared without case or underscores).

A question that is not an HTCDS field (by its prefix: `prs_`, `vic_`, `cas_` ...) is refused,
named; an HTCDS field Palermo does not keep (a referring organisation's case worker) is left out
of the case, as is what a phone fills in (`start`, `end`, `deviceid` ...).
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path

import pycountry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from palermo.cases.interchange.fields import csv_columns, join_values
from palermo.cases.interchange.importing import cases_import
from palermo.cases.models import Case
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.core.permissions import require_role
from palermo.intake.accounts import random_code
from palermo.intake.models import FieldForm

# An HTCDS field Palermo does not keep (a referring organisation's case worker's name) is left
# out of the case; a question of another name is refused.
HTCDS_PREFIXES = ("org_", "prs_", "vic_", "per_", "cas_", "cco_", "hte_", "spl_", "con_")
METADATA = frozenset({"start", "end", "today", "deviceid", "username", "instanceID", "__version__"})
MAX_BYTES = 5 * 1024 * 1024


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


def _columns() -> dict[str, str]:
    return {_norm(col): col for col in csv_columns(identifying=True)}


def _leaves(xml: bytes) -> tuple[str, str, list[str]]:
    """The form's id, version and the names of its primary instance's leaves."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"x": "http://www.w3.org/2002/xforms"}
    instance = root.find(".//x:model/x:instance", ns)
    if instance is None or len(instance) == 0:
        raise ApplicationError(_("The form has no instance."), code="invalid_xlsform")
    data = instance[0]
    names = [
        etree.QName(e).localname for e in data.iter() if len(e) == 0 and isinstance(e.tag, str)
    ]
    return str(data.get("id") or ""), str(data.get("version") or ""), names


def _with_form_id(data: bytes, stem: str) -> bytes:
    """The workbook with a form_id in its settings (the file's name when it has none): the
    form's ID is how its submissions are recognised."""
    try:
        book = load_workbook(io.BytesIO(data))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        raise ApplicationError(
            _("The file is not an XLSForm (.xlsx)."), code="invalid_xlsform"
        ) from None
    sheet = book["settings"] if "settings" in book.sheetnames else book.create_sheet("settings")
    header = [str(c.value or "") for c in sheet[1]] if sheet.max_row >= 1 else []
    if "form_id" in header:
        return data
    column = len([h for h in header if h]) + 1
    sheet.cell(row=1, column=column, value="form_id")
    sheet.cell(row=2, column=column, value=stem)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _title(xml: bytes) -> str:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    found = root.find(".//{http://www.w3.org/1999/xhtml}title")
    return (found.text or "").strip()[:300] if found is not None else ""


def field_form_add(*, actor: User, data: bytes, file_name: str) -> FieldForm:
    """Add (or replace, by its form ID) an XLSForm whose questions are HTCDS fields."""
    user = require_role(actor, Role.ADMINISTRATOR)
    if not data or len(data) > MAX_BYTES:
        raise ApplicationError(_("The file is empty or over 5 MB."), code="invalid_xlsform")
    stem = Path(file_name).stem.replace("-", "_").replace(" ", "_")[:80] or "form"
    try:
        result = convert(xlsform=io.BytesIO(_with_form_id(data, stem)), file_type=".xlsx",
                         form_name=stem)  # fmt: skip
    except (PyXFormError, ValueError, KeyError) as exc:
        raise ApplicationError(
            _("The XLSForm is refused: {}").format(str(exc)[:300]), code="invalid_xlsform"
        ) from None
    xml = str(result.xform).encode("utf-8")
    form_id, version, names = _leaves(xml)
    columns = _columns()
    unknown = sorted(
        n
        for n in names
        if n not in METADATA and _norm(n) not in columns and not n.startswith(HTCDS_PREFIXES)
    )
    if unknown or not any(_norm(n) in columns for n in names):
        raise ApplicationError(
            _("These questions are not HTCDS fields Palermo knows: {}").format(
                ", ".join(unknown[:20]) or "-"
            ),
            code="invalid_xlsform",
        )
    with transaction.atomic():
        form, created = FieldForm.objects.update_or_create(
            form_id=form_id or stem,
            defaults={
                "title": _title(xml) or stem,
                "version": version or timezone.now().strftime("%Y%m%d%H%M%S"),
                "xform": xml.decode("utf-8"),
                "source_name": file_name[:255],
                "added_by": user,
                "active": True,
            },
        )  # fmt: skip
        audit_record(
            actor=user,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=form,
            after={"form": form.form_id, "questions": len(names)},
        )
    return form


def _value(column: str, value: str) -> str:
    if column == "prs_Citizenship" or column.endswith("Country"):
        codes = []
        for code in value.split():
            found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None  # noqa: PLR2004
            codes.append(found.alpha_3 if found is not None else code)
        return join_values(codes)
    return (
        join_values(value.split())
        if " " in value.strip() and column.startswith(("vic_", "per_"))
        else value.strip()
    )


def submission_case(*, actor: User, form: FieldForm, values: dict[str, str]) -> Case:
    """The case a submission of the form becomes (inside the caller's transaction)."""
    organisation = actor.organisation
    if organisation is None or organisation.country_id is None:
        raise ApplicationError(_("Your organisation has no country for the case."), code="invalid")
    columns = _columns()
    row = {
        columns[_norm(k)]: _value(columns[_norm(k)], v)
        for k, v in values.items()
        if k not in METADATA and _norm(k) in columns and v
    }
    reference = "OR-{}".format(random_code(10))  # one record: its key in the import
    row.setdefault("plm_CaseCountry", organisation.country_id)
    row.setdefault("plm_CaseOpenedOn", timezone.localdate().isoformat())
    row.setdefault("plm_CaseTitle", form.title[:200])
    row.setdefault("plm_Role", "presumed_victim")
    row["plm_CaseReference"] = reference
    made: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "submission.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
        cases_import(
            actor=actor, organisation=organisation, path=path, fmt="csv", on_cases=made.extend
        )
    return Case.objects.get(pk=made[0])  # one record: one case


def served() -> list[FieldForm]:
    return list(FieldForm.objects.filter(active=True))
