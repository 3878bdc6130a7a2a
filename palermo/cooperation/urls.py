"""URLs of the cooperation pages under /cooperation/: inbox, outbox and deadlines, a request and
its steps, messages, attachments and case extracts, and the cooperation figures."""

from django.urls import path

from palermo.cooperation import views as v

app_name = "cooperation"

urlpatterns = [
    path("", v.InboxView.as_view(), name="inbox"),
    path("outbox/", v.OutboxView.as_view(), name="outbox"),
    path("deadlines/", v.DeadlineBoardView.as_view(), name="deadlines"),
    path("statistics/", v.StatisticsView.as_view(), name="statistics"),
    path("new/", v.RequestCreateView.as_view(), name="new"),
    path("new/parts/", v.RequestFormPartsView.as_view(), name="request_form_parts"),
    path("requests/<str:key>/", v.RequestDetailView.as_view(), name="detail"),
    path("requests/<str:key>/edit/", v.RequestEditView.as_view(), name="edit"),
    path("requests/<str:key>/send/", v.RequestSendView.as_view(), name="send"),
    path("requests/<str:key>/status/", v.RequestTransitionView.as_view(), name="transition"),
    path("requests/<str:key>/messages/", v.MessagePostView.as_view(), name="message"),
    path("requests/<str:key>/assign/", v.AssignView.as_view(), name="assign"),
    path("requests/<str:key>/export/", v.ExportView.as_view(), name="export"),
    path("requests/<str:key>/share-case/", v.CaseShareView.as_view(), name="share_case"),
    path("messages/<uuid:pk>/forward/", v.ForwardView.as_view(), name="forward"),
    path("messages/<uuid:pk>/share/", v.ShareMessageView.as_view(), name="share_message"),
    path("attachments/<uuid:pk>/", v.AttachmentView.as_view(), name="attachment"),
    path("extracts/<uuid:pk>/", v.ExtractRevealView.as_view(), name="extract"),
]
