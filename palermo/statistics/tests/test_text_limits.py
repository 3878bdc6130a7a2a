"""Free text of the statistics has a limit: in the models, the cell notes and comments a
coordinator enters (the cell named, nothing written) and the API (a 422 naming the field)."""

from __future__ import annotations

import pytest
from django.test import Client

from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.core.tests.factories import bearer_headers
from palermo.core.textlimits import NOTE_MAX, unlimited_text_fields
from palermo.statistics import services as s
from palermo.statistics.models import Value
from palermo.statistics.tests.factories import enter

pytestmark = pytest.mark.django_db
LONG = "remark-" + "c" * NOTE_MAX


def test_every_text_field_of_statistics_has_a_limit() -> None:
    assert unlimited_text_fields("statistics") == []


def test_an_over_long_comment_names_the_cell_and_nothing_is_written(coordinator: User) -> None:
    with pytest.raises(s.CellErrors) as err:
        enter(coordinator, {"victims_detected": 4}, comment=LONG)
    assert err.value.errors == [
        {
            "cell": "victims_detected",
            "message": "the comment may have at most {} characters (it has {})".format(
                NOTE_MAX, len(LONG)
            ),
        }
    ]
    assert not Value.objects.filter(country_id="BWA").exists()


def test_an_over_long_explanation_is_refused(coordinator: User) -> None:
    (figure,) = enter(coordinator, {"victims_detected": 4})
    with pytest.raises(ApplicationError) as err:
        s.value_explain(actor=coordinator, value=figure, comment=LONG)
    assert err.value.code == "too_long"
    figure.refresh_from_db()
    assert figure.comment == ""


def test_the_api_names_the_field_and_the_limit(client: Client, coordinator: User) -> None:
    (figure,) = enter(coordinator, {"victims_detected": 4})
    res = client.post(
        "/api/v1/statistics/values/{}/comment".format(figure.pk),
        {"comment": LONG},
        content_type="application/json",
        **bearer_headers(coordinator),
    )
    assert res.status_code == 422
    assert res.json() == {
        "detail": "comment: String should have at most {} characters".format(NOTE_MAX),
        "code": "invalid_input",
    }
    assert "remark" not in res.content.decode()
