"""What case management's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.cases import models as m
from palermo.core.audit import audit_kind

CASE = audit_kind("cases.case", _("case"), model=m.Case)
CASE_SHARE = audit_kind("cases.caseshare", _("case share"), model=m.CaseShare)
CASE_COMMENT = audit_kind("cases.casecomment", _("case comment"), model=m.CaseComment)
PERSON = audit_kind("cases.person", _("person"), model=m.Person)
PHOTO = audit_kind("cases.personphoto", _("photo of a person"), model=m.PersonPhoto)
CONSENT = audit_kind("cases.consent", _("consent"), model=m.Consent)
SCREENING = audit_kind("cases.screening", _("screening"), model=m.Screening)
IDENTIFICATION = audit_kind("cases.identification", _("identification"), model=m.Identification)
MOVEMENT = audit_kind("cases.movement", _("movement"), model=m.Movement)
REFERRAL = audit_kind("cases.referral", _("referral"), model=m.Referral)
MEASURE = audit_kind("cases.protectionmeasure", _("protection measure"), model=m.ProtectionMeasure)
GUARDIAN = audit_kind("cases.guardian", _("guardian"), model=m.Guardian)
BEST_INTEREST = audit_kind(
    "cases.bestinterestdetermination",
    _("best-interest determination"),
    model=m.BestInterestDetermination,
)
RETURN = audit_kind("cases.return", _("return"), model=m.Return)
FOLLOW_UP = audit_kind("cases.followupvisit", _("follow-up visit"), model=m.FollowUpVisit)
PROCEEDING = audit_kind("cases.proceeding", _("proceeding"), model=m.Proceeding)
SUPPORT_PLAN = audit_kind("cases.supportplan", _("support plan"), model=m.SupportPlan)
# The blind index of names (cases.names): its rebuilds, and the searches that found persons.
NAME_INDEX = audit_kind("cases.name_index", _("name search index"))
NAME_SEARCH = audit_kind("cases.name_search", _("search of persons by name"))
