"""`palermo cooperation ...`: node-to-node requests from the command line.

deliver [--loop]            send the outbox until acknowledged (--loop: as a service, woken
                            by each new message; `palermo serve` runs it)
send --to-node NAME --type TYPE --subject TEXT [...] --as USER
list [--format table|json|csv] [--as USER]
transition REQUEST STATUS [--note TEXT] [--ground CODE] --as USER
message REQUEST [--body TEXT] [--attach FILE ...] [--handling CODE ...] --as USER
forward MESSAGE --to-request REQUEST --as USER
export REQUEST [--purpose record|court] [--output FILE] --as USER
remind [--enqueue]          remind other nodes of overdue requests
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import mimetypes
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.cooperation import access, choices, selectors, services
from palermo.cooperation.delivery import delivery_loop, delivery_stop
from palermo.cooperation.models import Request
from palermo.cooperation.tasks import send_reminders
from palermo.core.management.base import PalermoCommand, render_rows, user_named
from palermo.core.models import Organisation, User

LIST_COLUMNS = [
    "reference",
    "direction",
    "type",
    "status",
    "urgency",
    "due_date",
    "node",
    "requesting_country",
    "requested_country",
    "requested_authority",
    "legal_basis",
    "subject",
    "id",
]


def _as_user(name: str | None, missing: str) -> User:
    """The user named by --as; `missing` is the whole sentence saying who must be named."""
    if not name:
        raise CommandError(missing)
    return user_named(name)


def _row(r: Request) -> dict[str, Any]:
    return {
        "reference": r.local_reference,
        "direction": r.direction,
        "type": r.type,
        "status": r.status,
        "urgency": r.urgency,
        "due_date": r.due_date.isoformat() if r.due_date else "",
        "node": r.node.name if r.node else "",
        "requesting_country": r.requesting_country_id or "",
        "requested_country": r.requested_country_id or "",
        "requested_authority": r.requested_authority_name,
        "legal_basis": services.legal_basis_label(r),
        "subject": r.subject,
        "id": str(r.pk),
    }


class Command(PalermoCommand):
    help = "Node-to-node cooperation: requests, messages, the outbox, reminders."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:  # noqa: PLR0915 - one parser per subcommand
        sub = parser.add_subparsers(dest="sub", required=True)
        deliver = sub.add_parser("deliver", help="send due outbox messages")
        deliver.add_argument(
            "--loop",
            action="store_true",
            help="keep delivering until stopped, woken as soon as a message is written",
        )
        deliver.add_argument(
            "--interval",
            type=float,
            help="with --loop: seconds between runs when nothing wakes it (default: "
            "PALERMO_DELIVERY_POLL_SECONDS, else 5)",
        )
        deliver.add_argument("--limit", type=int, default=500, help="messages per run")

        send = sub.add_parser("send", help="create a request and send it to a node")
        send.add_argument("--to-node", required=True, help="the node it goes to")
        send.add_argument(
            "--type",
            required=True,
            choices=choices.RequestType.values,
            help=_("the request's type"),
        )
        send.add_argument("--subject", required=True, help=_("a short subject line"))
        send.add_argument(
            "--to-authority",
            help="requested authority: organisation name, directory entry id or reference key",
        )
        send.add_argument("--to-country", help="requested state (ISO alpha-3), if not the node's")
        send.add_argument("--description", default="", help=_("what is asked, in full"))
        send.add_argument(
            "--urgency",
            choices=choices.Urgency.values,
            default="normal",
            help=_("how urgent the request is"),
        )
        send.add_argument("--due", type=dt.date.fromisoformat, help="due date, YYYY-MM-DD")
        send.add_argument(
            "--legal-basis",
            default=services.SUGGESTED,
            help="instrument slug[:article] (untoc:art. 18), bilateral:TEXT, reciprocity, or "
            "suggested (default: the first instrument both states are bound by)",
        )
        send.add_argument("--as", dest="as_user", help="username of the sender")

        ls = sub.add_parser("list", help="list requests")
        ls.add_argument(
            "--format", choices=["table", "json", "csv"], default="table", help=_("output format")
        )
        ls.add_argument("--as", dest="as_user", help="only what this user sees (default: all)")
        ls.add_argument(
            "--direction",
            choices=choices.Direction.values,
            default="",
            help=_("only sent or only received requests"),
        )
        ls.add_argument(
            "--status",
            choices=choices.RequestStatus.values,
            default="",
            help=_("only requests in this status"),
        )
        ls.add_argument(
            "--type", choices=choices.RequestType.values, default="", help=_("the request's type")
        )

        tr = sub.add_parser("transition", help="move a request on (accept, refuse, close ...)")
        tr.add_argument("request", help="uuid or either side's reference")
        tr.add_argument("status", choices=choices.RequestStatus.values, help=_("the new status"))
        tr.add_argument("--note", default="", help="a note; for a refusal the grounds in full")
        tr.add_argument(
            "--ground",
            default="",
            choices=["", *choices.RefusalGround.values],
            help=_("the refusal ground, for a refusal"),
        )
        tr.add_argument("--as", dest="as_user", help=_("username of who acts"))

        msg = sub.add_parser("message", help="post a message (with files) on a request")
        msg.add_argument("request", help=_("uuid or either side's reference"))
        msg.add_argument("--body", default="", help=_("the message's text"))
        msg.add_argument("--attach", action="append", default=[], type=Path, help="a file")
        msg.add_argument(
            "--reliability",
            default="X",
            choices=choices.SourceReliability.values,
            help=_("how reliable the source is (A to E, X when it cannot be judged)"),
        )
        msg.add_argument(
            "--assessment",
            default="4",
            choices=choices.InformationAssessment.values,
            help=_("information assessment (1-4)"),
        )
        msg.add_argument(
            "--handling",
            action="append",
            default=[],
            choices=choices.HandlingCode.values,
            help="a handling code; repeatable",
        )
        msg.add_argument("--as", dest="as_user", help=_("username of who acts"))

        fw = sub.add_parser("forward", help="forward a received message to another request")
        fw.add_argument("message", help="message uuid")
        fw.add_argument(
            "--to-request", required=True, help=_("uuid or reference of the request it goes to")
        )
        fw.add_argument("--note", default="", help=_("a note for the recipient"))
        fw.add_argument("--as", dest="as_user", help=_("username of who acts"))

        sh = sub.add_parser("share", help="let another organisation here see a received message")
        sh.add_argument("message", help="message uuid")
        sh.add_argument("--organisation", required=True, help="organisation name")
        sh.add_argument("--reason", required=True, help=_("why it is shared (audited)"))
        sh.add_argument("--as", dest="as_user", help=_("username of who acts"))

        ex = sub.add_parser("export", help="export a request and its thread as JSON")
        ex.add_argument("request", help=_("uuid or either side's reference"))
        ex.add_argument(
            "--purpose",
            choices=sorted(services.EXPORT_PURPOSES),
            default="record",
            help=_("what the export is for (audited)"),
        )
        ex.add_argument("--output", type=Path, help="file to write (default: standard output)")
        ex.add_argument("--as", dest="as_user", help=_("username of who acts"))

        rm = sub.add_parser("remind", help="remind other nodes of overdue requests")
        rm.add_argument("--enqueue", action="store_true", help="hand the run to the task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["sub"])(options)

    def do_deliver(self, options: dict[str, Any]) -> None:
        if options["loop"]:
            stop = threading.Event()

            def on_signal(_signum: int, _frame: FrameType | None) -> None:
                delivery_stop(stop)

            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
            poll = options["interval"] or settings.PALERMO_DELIVERY_POLL_SECONDS
            delivery_loop(stop, limit=options["limit"], poll=poll)
            return
        report = services.outbox_deliver(limit=options["limit"])
        self.stdout.write(
            "sent {} acknowledged {} failed {} pending {}".format(
                report.sent, report.acknowledged, report.failed, report.pending
            )
        )

    def do_send(self, o: dict[str, Any]) -> None:
        user = _as_user(
            o["as_user"],
            _(
                "Say who sends the request with --as USER "
                "(an investigator/prosecutor or national coordinator)."
            ),
        )
        request = services.request_create(
            actor=user,
            type=o["type"],
            subject=o["subject"],
            description=o["description"],
            node=o["to_node"],
            requested_authority=o["to_authority"],
            requested_country=o["to_country"],
            urgency=o["urgency"],
            due_date=o["due"],
            legal_basis=o["legal_basis"],
        )
        request = services.request_send(actor=user, request=request)
        self.stdout.write(
            _("Sent {} ({}) to {}: {} ({}), legal basis {}.").format(
                request.requester_reference,
                request.pk,
                o["to_node"],
                request.type,
                request.urgency,
                services.legal_basis_label(request),
            )
        )

    def do_list(self, o: dict[str, Any]) -> None:
        if o["as_user"]:
            qs = selectors.request_list(
                user=_as_user(
                    o["as_user"],
                    _(
                        "Say who lists the requests with --as USER "
                        "(an investigator/prosecutor or national coordinator)."
                    ),
                ),
                direction=o["direction"],
                status=o["status"],
                type=o["type"],
            )
        else:  # the operator of this node: every request, as on the admin's server
            qs = Request.objects.select_related(*selectors.LIST_RELATED).order_by("-created_at")
            for name in ("direction", "status", "type"):
                if o[name]:
                    qs = qs.filter(**{name: o[name]})
        self.stdout.write(render_rows([_row(r) for r in qs], LIST_COLUMNS, o["format"]))

    def do_transition(self, o: dict[str, Any]) -> None:
        user = _as_user(
            o["as_user"],
            _(
                "Say who moves the request on with --as USER "
                "(an investigator/prosecutor or national coordinator)."
            ),
        )
        request = services.request_transition(
            actor=user,
            request=access.request_get(user, o["request"]),
            to_status=o["status"],
            note=o["note"],
            refusal_ground=o["ground"],
        )
        self.stdout.write(_("{} is now {}.").format(request.local_reference, request.status))

    def do_message(self, o: dict[str, Any]) -> None:
        user = _as_user(
            o["as_user"],
            _(
                "Say who writes the message with --as USER "
                "(an investigator/prosecutor or national coordinator)."
            ),
        )
        attachments = []
        for path in o["attach"]:
            if not path.is_file():
                raise CommandError(_("No file {}.").format(path))
            attachments.append(
                services.NewAttachment(
                    path.name,
                    mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                    path.read_bytes(),
                )
            )
        message = services.message_post(
            actor=user,
            request=access.request_get(user, o["request"]),
            body=o["body"],
            attachments=attachments,
            source_reliability=o["reliability"],
            information_assessment=o["assessment"],
            handling_codes=o["handling"],
        )
        self.stdout.write(
            _("Message {} ({}) with {} attachment(s).").format(
                message.pk, message.handling_label, len(attachments)
            )
        )

    def do_forward(self, o: dict[str, Any]) -> None:
        user = _as_user(
            o["as_user"],
            _(
                "Say who forwards the message with --as USER "
                "(an investigator/prosecutor or national coordinator)."
            ),
        )
        message = services.message_forward(
            actor=user,
            message=access.message_get(user, o["message"]),
            to_request=access.request_get(user, o["to_request"]),
            note=o["note"],
        )
        self.stdout.write(_("Forwarded as message {}.").format(message.pk))

    def do_share(self, o: dict[str, Any]) -> None:
        user = _as_user(
            o["as_user"],
            _(
                "Say who shares the message with --as USER "
                "(an investigator/prosecutor or national coordinator)."
            ),
        )
        org = Organisation.objects.filter(name=o["organisation"]).first()
        if org is None:
            raise CommandError(_("No organisation named '{}'.").format(o["organisation"]))
        services.message_share(
            actor=user,
            message=access.message_get(user, o["message"]),
            organisation=org,
            reason=o["reason"],
        )
        self.stdout.write(_("Shared with {}.").format(org.name))

    def do_export(self, o: dict[str, Any]) -> None:
        user = _as_user(
            o["as_user"],
            _(
                "Say who exports the request with --as USER "
                "(an investigator/prosecutor or national coordinator)."
            ),
        )
        bundle = services.request_export(
            actor=user, request=access.request_get(user, o["request"]), purpose=o["purpose"]
        )
        text = json.dumps(bundle, ensure_ascii=False, indent=2)
        if o["output"]:
            o["output"].write_text(text + "\n", encoding="utf-8")
            self.stdout.write(_("Wrote {}.").format(o["output"]))
        else:
            self.stdout.write(text)

    def do_remind(self, o: dict[str, Any]) -> None:
        if o["enqueue"]:
            result = send_reminders.enqueue()
            self.stdout.write(_("enqueued reminders run {}").format(result.id))
            return
        self.stdout.write(_("sent {} reminder(s)").format(services.reminders_send()))
