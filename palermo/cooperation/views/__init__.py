"""Cooperation pages: thin views over the cooperation selectors and services.

Every page finds its request through `palermo.cooperation.access` (via the selectors), so a request
the user may not see answers 404 and lists leave it out; roles that never work on requests get
404 too (analysts see only the statistics page). Forms parse; services validate, write and audit,
and their `ApplicationError`s are shown on the form. Received content is shown with its handling
codes, and what they forbid (forwarding, sharing, export) is not offered; the services refuse it
anyway. No personal data goes into a URL: requests, messages and files are addressed by uuid.

- `views.base`: the two kinds of page (CooperationView, CooperationFormView);
- `views.lists`: inbox, outbox, deadlines, statistics;
- `views.requests`: the new-request form, drafts, the request page and its steps;
- `views.content`: files, case extracts, forwarding and sharing received messages, case shares.
"""

from palermo.cooperation.views.content import (
    AttachmentView,
    CaseShareView,
    ExtractRevealView,
    ForwardView,
    ShareMessageView,
)
from palermo.cooperation.views.lists import (
    DeadlineBoardView,
    InboxView,
    OutboxView,
    StatisticsView,
)
from palermo.cooperation.views.requests import (
    AssignView,
    ExportView,
    MessagePostView,
    RequestCreateView,
    RequestDetailView,
    RequestEditView,
    RequestFormPartsView,
    RequestSendView,
    RequestTransitionView,
    detail_context,
)

__all__ = [
    "AssignView",
    "AttachmentView",
    "CaseShareView",
    "DeadlineBoardView",
    "ExportView",
    "ExtractRevealView",
    "ForwardView",
    "InboxView",
    "MessagePostView",
    "OutboxView",
    "RequestCreateView",
    "RequestDetailView",
    "RequestEditView",
    "RequestFormPartsView",
    "RequestSendView",
    "RequestTransitionView",
    "ShareMessageView",
    "StatisticsView",
    "detail_context",
]
