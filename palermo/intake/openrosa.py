"""Screenings captured offline with ODK Collect or KoboCollect, received over the OpenRosa API
(issue 18): a submission becomes a case of the submitter's organisation, its person and the
screening against the form's indicator list, in one transaction, audited.

A submission is the form's XML instance (multipart part `xml_submission_file`), parsed without
entities, DTDs or the network. Each carries its `meta/instanceID`: a submission sent again (a
client that lost the answer) is recognised and not written twice; the same instance ID with
other content is refused (409). Names given are encrypted with the person's identity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from palermo.cases import htcds as h
from palermo.cases import services as cases
from palermo.cases.choices import PersonRole
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.models import Country, User
from palermo.intake import htcdsforms, xforms
from palermo.intake.models import FieldForm, FieldSubmission

MAX_BYTES = 1024 * 1024
PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False, huge_tree=False
)


class DuplicateError(ApplicationError):
    status = 409


@dataclass(frozen=True)
class Received:
    submission: FieldSubmission
    new: bool  # False: the same submission was received before


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _fields(root: etree._Element) -> dict[str, str]:
    """Every leaf of the instance by its name (the form's names are unique)."""
    out: dict[str, str] = {}
    for element in root.iter():
        if len(element) == 0 and isinstance(element.tag, str):
            out[_local(element.tag)] = (element.text or "").strip()
    return out


def _parse(xml: bytes) -> tuple[str, dict[str, str]]:
    if len(xml) > MAX_BYTES:
        raise ApplicationError(_("The submission is over 1 MB."), code="invalid_submission")
    if b"<!DOCTYPE" in xml[:2048].upper():
        raise ApplicationError(_("A submission has no DOCTYPE."), code="invalid_submission")
    try:
        root = etree.fromstring(xml, PARSER)
    except etree.XMLSyntaxError:
        raise ApplicationError(
            _("The submission is not well-formed XML."), code="invalid_submission"
        ) from None
    return str(root.get("id") or _local(root.tag)), _fields(root)


def _country(code: str, what: str) -> str:
    if code and not Country.objects.filter(iso3=code).exists():
        raise ApplicationError(
            _("{}: not a country (ISO alpha-3).").format(what), code="invalid_submission"
        )
    return code


def _added_form(
    actor: User, form: FieldForm, form_id: str, instance: str, digest: str,
    values: dict[str, str],
) -> Received:  # fmt: skip
    try:
        with transaction.atomic():
            case = htcdsforms.submission_case(actor=actor, form=form, values=values)
            submission = FieldSubmission.objects.create(
                instance_id=instance, form_id=form_id, sha256=digest, submitted_by=actor,
                received_at=timezone.now(), case=case,
            )  # fmt: skip
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=submission,
                after={"form": form_id, "case": str(case.pk)},
            )
    except IntegrityError:
        return Received(FieldSubmission.objects.get(instance_id=instance), new=False)
    return Received(submission, new=True)


def submission_receive(*, actor: User, xml: bytes) -> Received:
    """Write a field screening: a case of the actor's organisation, the person, the screening."""
    form_id, values = _parse(xml)
    indicator_list = xforms.list_for(form_id)
    added = FieldForm.objects.filter(form_id=form_id, active=True).first()
    if indicator_list is None and added is None:
        raise ApplicationError(
            _("The form {} is not one this node serves.").format(form_id[:80]),
            code="unknown_form",
        )
    instance = values.get("instanceID", "")
    if not instance or len(instance) > 100:  # noqa: PLR2004
        raise ApplicationError(_("The submission has no instanceID."), code="invalid_submission")
    digest = hashlib.sha256(xml).hexdigest()
    before = FieldSubmission.objects.filter(instance_id=instance).first()
    if before is not None:
        if before.sha256 == digest:
            return Received(before, new=False)
        raise DuplicateError(
            _("A different submission with this instanceID was received before."),
            code="duplicate_instance",
        )
    if added is not None or indicator_list is None:
        assert added is not None  # noqa: S101 - one of the two, checked above
        return _added_form(actor, added, form_id, instance, digest, values)
    try:
        screened_on = dt.date.fromisoformat(values.get("screened_on", ""))
    except ValueError:
        raise ApplicationError(
            _("screened_on: not a date (YYYY-MM-DD)."), code="invalid_submission"
        ) from None
    country = _country(values.get("case_country", ""), "case_country")
    citizenship = _country(values.get("citizenship", ""), "citizenship")
    gender = values.get("gender", "")
    if gender and gender not in h.Gender.values:
        raise ApplicationError(_("gender: not a code of the list."), code="invalid_submission")
    age_text = values.get("age", "")
    if age_text and not age_text.isdigit():
        raise ApplicationError(_("age: not a whole number."), code="invalid_submission")
    indicators = values.get("indicators", "").split()
    identity = {k: values[k] for k in ("first_name", "second_name") if values.get(k)}
    facts: dict[str, Any] = {}
    if gender:
        facts["gender"] = gender
    if age_text:
        facts["age_at_registration"] = int(age_text)
    if citizenship:
        facts["citizenship"] = [citizenship]
    try:
        with transaction.atomic():
            case = cases.case_open(
                actor=actor,
                opened_on=screened_on,
                title=_("Field screening {}").format(values.get("place", "")[:120]).strip(),
                country=country or None,
            )
            person = cases.person_add(
                actor=actor,
                case=case,
                role=PersonRole.PRESUMED_VICTIM,
                identity=identity,
                **facts,
            )
            cases.screening_record(
                actor=actor,
                person=person,
                indicator_list=indicator_list,
                indicators=indicators,
                screened_on=screened_on,
                notes=values.get("notes", ""),
            )
            submission = FieldSubmission.objects.create(
                instance_id=instance,
                form_id=form_id,
                sha256=digest,
                submitted_by=actor,
                received_at=timezone.now(),
                case=case,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=submission,
                after={"form": form_id, "case": str(case.pk)},
            )
    except IntegrityError:  # the same instance received at the same moment by another worker
        found = FieldSubmission.objects.get(instance_id=instance)
        return Received(found, new=False)
    return Received(submission, new=True)
