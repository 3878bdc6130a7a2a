"""Free text of the request workflow has a limit, the same in the models, the API, the forms and
the envelopes between nodes: an over-long message is refused by the service with nothing
written, and by the API as a 422 naming the field and the limit (never the value)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from palermo.cooperation import envelopes, forms, services
from palermo.cooperation.limits import BASIS_MAX, LETTER_MAX
from palermo.cooperation.models import (
    Message,
    Node,
    OutboundMessage,
    Request,
    SharedCaseExtract,
    StatusChange,
)
from palermo.core.models import AuditEntry, Organisation, User
from palermo.core.services import token_create
from palermo.core.textlimits import NOT_FREE_TEXT, TEXT_MAX, unlimited_text_fields

from .helpers import _draft

pytestmark = pytest.mark.django_db
SECRET = "Okafor-" + "x" * LETTER_MAX  # over the limit, and a name never to be echoed


def _limit(model: type, name: str) -> int | None:
    return model._meta.get_field(name).max_length  # type: ignore[attr-defined,no-any-return]


def _payload_limit(payload: type, name: str) -> int:
    meta = payload.model_fields[name].metadata  # type: ignore[attr-defined]
    return int(next(m.max_length for m in meta if hasattr(m, "max_length")))


def test_every_text_field_of_cooperation_has_a_limit() -> None:
    assert unlimited_text_fields("cooperation") == []
    assert [k for k in NOT_FREE_TEXT if k.startswith("cooperation.")] == [
        "cooperation.SharedCaseExtract.ciphertext"
    ]


def test_the_envelopes_carry_what_the_models_hold() -> None:
    """A node never lets a user write what its peer would refuse (or the reverse)."""
    assert _limit(Request, "description") == LETTER_MAX
    assert _payload_limit(envelopes.RequestPayload, "description") == LETTER_MAX
    assert _limit(Message, "body") == LETTER_MAX
    assert _payload_limit(envelopes.MessagePayload, "body") == LETTER_MAX
    assert _limit(StatusChange, "note") == TEXT_MAX
    assert _payload_limit(envelopes.StatusPayload, "note") == TEXT_MAX
    assert _limit(Request, "legal_basis_text") == TEXT_MAX
    assert _payload_limit(envelopes.LegalBasisPayload, "text") == TEXT_MAX
    assert _limit(SharedCaseExtract, "legal_basis") == BASIS_MAX
    assert _payload_limit(envelopes.ExtractPayload, "legal_basis") == BASIS_MAX
    assert forms.MessageForm().fields["body"].max_length == LETTER_MAX  # type: ignore[attr-defined]
    assert 'maxlength="{}"'.format(LETTER_MAX) in str(forms.MessageForm()["body"])


def test_an_over_long_message_is_refused_and_nothing_written(
    investigator: User, bravo: Node, saps: Organisation
) -> None:
    request = _draft(investigator, bravo, saps)
    services.request_send(actor=investigator, request=request)
    before = (Message.objects.count(), OutboundMessage.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as err:
        services.message_post(actor=investigator, request=request, body=SECRET)
    assert list(err.value.message_dict) == ["body"]
    assert err.value.message_dict["body"] == [
        "Ensure this value has at most {} characters (it has {}).".format(LETTER_MAX, len(SECRET))
    ]
    assert (
        Message.objects.count(),
        OutboundMessage.objects.count(),
        AuditEntry.objects.count(),
    ) == before
    ok = services.message_post(actor=investigator, request=request, body="y" * LETTER_MAX)
    assert len(ok.body) == LETTER_MAX


def test_the_api_refuses_an_over_long_message_naming_field_and_limit(
    investigator: User, bravo: Node, saps: Organisation
) -> None:
    request = _draft(investigator, bravo, saps)
    res = Client().post(
        "/api/v1/cooperation/requests/{}/messages".format(request.pk),
        {"body": SECRET},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + token_create(actor=None, user=investigator),
    )
    assert res.status_code == 422, res.content
    assert res.json() == {
        "detail": "body: String should have at most {} characters".format(LETTER_MAX),
        "code": "invalid_input",
    }
    assert "Okafor" not in res.content.decode()
    assert not Message.objects.exists()
