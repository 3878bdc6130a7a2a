"""Every write of the cooperation app, one module per concern, re-exported here:

- `palermo.cooperation.transport`: peer nodes, the signed inbox, the retrying outbox, ping;
- `palermo.cooperation.outbox`: the outbox's delivery run (batched, pipelined);
- `palermo.cooperation.workflow`: the rules (transitions, legal bases), without writes;
- `services.requests`: drafts, sending, status changes, assignment, reminders;
- `services.messages`: messages, attachments, case extracts, forwarding, sharing, export;
- `services.inbound`: applying what the other node sent (the transport's request handler);
- `services.events`: what every step shares (status changes, payloads, the outbox queue).

`from palermo.cooperation import services; services.request_send(...)` keeps working.
"""

from palermo.cases.sharing import ExtractSpec
from palermo.cooperation.outbox import outbox_deliver
from palermo.cooperation.services.inbound import inbound_apply
from palermo.cooperation.services.messages import (
    EXPORT_PURPOSES,
    NewAttachment,
    attachment_read,
    extract_read,
    message_forward,
    message_post,
    message_share,
    request_export,
)
from palermo.cooperation.services.requests import (
    REMINDER_INTERVAL,
    REQUEST_AUDIT_FIELDS,
    authority_resolve,
    reminders_send,
    request_assign,
    request_create,
    request_refuse,
    request_send,
    request_transition,
    request_update,
    request_withdraw,
)
from palermo.cooperation.transport import (
    INBOX_PATH,
    MAX_CLOCK_SKEW,
    DeliveryError,
    DeliveryReport,
    NodeRefusal,
    SignedReply,
    Transport,
    TransportReply,
    backoff,
    http_transport,
    inbox_receive,
    inbox_receive_batch,
    inbox_url,
    node_add,
    node_get,
    node_ping,
    outbox_enqueue,
    receipt_verify,
)
from palermo.cooperation.workflow import (
    SUGGESTED,
    TRANSITIONS,
    LegalBasisChoice,
    allowed_transitions,
    legal_basis_label,
    legal_basis_parse,
)

__all__ = [
    "EXPORT_PURPOSES",
    "INBOX_PATH",
    "MAX_CLOCK_SKEW",
    "REMINDER_INTERVAL",
    "REQUEST_AUDIT_FIELDS",
    "SUGGESTED",
    "TRANSITIONS",
    "DeliveryError",
    "DeliveryReport",
    "ExtractSpec",
    "LegalBasisChoice",
    "NewAttachment",
    "NodeRefusal",
    "SignedReply",
    "Transport",
    "TransportReply",
    "allowed_transitions",
    "attachment_read",
    "authority_resolve",
    "backoff",
    "extract_read",
    "http_transport",
    "inbound_apply",
    "inbox_receive",
    "inbox_receive_batch",
    "inbox_url",
    "legal_basis_label",
    "legal_basis_parse",
    "message_forward",
    "message_post",
    "message_share",
    "node_add",
    "node_get",
    "node_ping",
    "outbox_deliver",
    "outbox_enqueue",
    "receipt_verify",
    "reminders_send",
    "request_assign",
    "request_create",
    "request_export",
    "request_refuse",
    "request_send",
    "request_transition",
    "request_update",
    "request_withdraw",
]
