"""The consolidated report's last steps, as GRETA runs them: the secretariat shares the draft
with the States whose replies it accepted, each of them comments on it by a date (through its
national coordinator), the secretariat answers every comment (taken into account or not, and
why), then publishes the report. Every step is audited in its transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import User
from palermo.core.permissions import active_user
from palermo.monitoring import audit_kinds
from palermo.monitoring.choices import CommentStatus, SubmissionStatus
from palermo.monitoring.models import ReportComment, Round
from palermo.monitoring.services.rounds import round_owner

MAX_COMMENT = 4000


def commenting_state(user: object, round_: Round) -> str | None:
    """The State whose national coordinator the user is, when its reply to the round was
    accepted (the States that comment on the draft)."""
    found = active_user(user)  # type: ignore[arg-type]  # any user object: checked there
    if found is None or found.role != Role.NATIONAL_COORDINATOR or found.organisation is None:
        return None
    country = found.organisation.country_id
    accepted = round_.submissions.filter(country_id=country, status=SubmissionStatus.ACCEPTED)
    return country if country and accepted.exists() else None


def _not_published(round_: Round) -> None:
    if round_.published_at is not None:
        raise ApplicationError(
            _("The report is published: it does not change now."), code="invalid_state"
        )


def draft_share(*, actor: User, round_: Round, comments_due: dt.date) -> Round:
    """Share the draft report with the States whose replies were accepted, for comments by
    `comments_due` (sharing again moves the date)."""
    author = round_owner(actor, round_)
    _not_published(round_)
    if not round_.report_parts.exists():
        raise ApplicationError(
            _("Write the report's outline before sharing it."), code="invalid_state"
        )
    if comments_due < timezone.localdate():
        raise ApplicationError(_("The comments are due today or later."), code="invalid")
    if not round_.submissions.filter(status=SubmissionStatus.ACCEPTED).exists():
        raise ApplicationError(
            _(
                "No reply is accepted yet: the draft goes to the States whose replies were "
                "accepted."
            ),
            code="invalid_state",
        )
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        locked.draft_shared_at = timezone.now()
        locked.comments_due = comments_due
        locked.save(update_fields=["draft_shared_at", "comments_due"])
        audit_record(
            actor=author,
            action=AuditAction.UPDATE,
            kind=audit_kinds.REPORT,
            object_id=locked.key,
            after={"draft_shared": True, "comments_due": comments_due.isoformat()},
        )
    return locked


def report_comment_add(
    *, actor: User, round_: Round, text: str, part: int | None = None
) -> ReportComment:
    """A State's comment on the draft report, on one of its parts (by number) or on all of it,
    while the draft is shared and the comments not yet due."""
    country = commenting_state(actor, round_)
    if country is None:
        raise ForbiddenError(
            _("The national coordinators of the States whose replies were accepted comment.")
        )
    _not_published(round_)
    if round_.draft_shared_at is None or round_.comments_due is None:
        raise ApplicationError(
            _("The draft report is not shared for comments."), code="invalid_state"
        )
    if timezone.localdate() > round_.comments_due:
        raise ApplicationError(
            _("Comments were due by {}.").format(round_.comments_due.isoformat()),
            code="invalid_state",
        )
    text = text.strip()
    if not text:
        raise ApplicationError(_("Write the comment."), code="invalid")
    if len(text) > MAX_COMMENT:
        raise ApplicationError(
            _("A comment is at most {} characters.").format(MAX_COMMENT), code="invalid"
        )
    parts = round_.report_parts.count()
    if part is not None and not 1 <= part <= parts:
        raise ApplicationError(_("The report has parts 1 to {}.").format(parts), code="invalid")
    with transaction.atomic():
        comment = ReportComment.objects.create(
            round=round_, country_id=country, part=part, text=text, created_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=comment,
            after={"round": round_.key, "state": country, "part": part},
        )
    return comment


def report_comment_respond(
    *, actor: User, comment: ReportComment, taken: bool, response: str
) -> ReportComment:
    """The secretariat's answer to a comment: taken into account in the final report or not,
    and why (the State reads it)."""
    author = round_owner(actor, comment.round)
    _not_published(comment.round)
    response = response.strip()
    if not response:
        raise ApplicationError(_("Say how the comment was dealt with."), code="invalid")
    with transaction.atomic():
        locked = ReportComment.objects.select_for_update().get(pk=comment.pk)
        if locked.status != CommentStatus.OPEN:
            raise ApplicationError(_("This comment was answered already."), code="invalid_state")
        locked.status = CommentStatus.TAKEN if taken else CommentStatus.NOT_TAKEN
        locked.response = response[:MAX_COMMENT]
        locked.responded_by = author
        locked.responded_at = timezone.now()
        locked.save(update_fields=["status", "response", "responded_by", "responded_at"])
        audit_record(
            actor=author, action=AuditAction.UPDATE, obj=locked, after={"status": locked.status}
        )
    return locked


def report_publish(*, actor: User, round_: Round) -> Round:
    """Publish the report once every State's comment has its answer; it does not change after."""
    author = round_owner(actor, round_)
    _not_published(round_)
    if round_.draft_shared_at is None:
        raise ApplicationError(
            _("Share the draft with the States for their comments first."), code="invalid_state"
        )
    waiting = round_.report_comments.filter(status=CommentStatus.OPEN).count()
    if waiting:
        raise ApplicationError(
            _("{} comments of the States have no answer yet.").format(waiting), code="invalid_state"
        )
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at"])
        audit_record(
            actor=author,
            action=AuditAction.UPDATE,
            kind=audit_kinds.REPORT,
            object_id=locked.key,
            after={"published": True},
        )
    return locked
