"""The coding page: answers with their tagged passages highlighted, tagging by selection (start
and end) or by the passage's text, taking back one's own tag, the States each theme counts, two
coders' agreement and a disagreement resolved; the round's secretariat only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from palermo.core.choices import OrganisationKind, Role
from palermo.core.models import User
from palermo.monitoring.models import Coding, CodingDecision, Round
from palermo.monitoring.tests.test_coding import REPLIES, _codebook, coded_round  # noqa: F401

pytestmark = pytest.mark.django_db


def test_coding_through_the_page(
    client: Client,
    secretariat: User,
    coded_round: Round,  # noqa: F811 - the fixture
    make_user: Callable[..., User],
) -> None:
    page = reverse("monitoring:coding", args=[coded_round.key])
    client.force_login(secretariat)
    assert "has no codebook yet" in client.get(page).content.decode()
    _codebook(secretariat, coded_round)
    khm = coded_round.submissions.get(country_id="KHM").answers.get()
    start = REPLIES["KHM"].index("a hotline")
    client.post(
        page,
        {"action": "tag", "answer": khm.pk, "code": "hotline", "start": start, "end": start + 9},
    )
    client.post(
        page,
        {
            "action": "tag",
            "answer": khm.pk,
            "code": "awareness",
            "passage": "awareness-raising campaign",
        },
    )
    html = client.get(page).content.decode()
    assert '<mark title="Hotline (sec)">a hotline</mark>' in html
    assert (
        '<mark title="Awareness-raising campaign (sec)">awareness-raising campaign</mark>' in html
    )
    assert 'data-theme="hotline"><th scope="row">Hotline</th><td>1: Cambodia</td>' in html
    wrong = client.post(
        page,
        {"action": "tag", "answer": khm.pk, "code": "hotline", "passage": "not said"},
        follow=True,
    )
    assert "The passage is not in the answer." in wrong.content.decode()

    second = make_user(
        Role.ANALYST,
        org="UNODC",
        country=None,
        kind=OrganisationKind.INTERNATIONAL,
        username="sec2",
    )
    client.force_login(second)
    client.post(page, {"action": "tag", "answer": khm.pk, "code": "hotline", "passage": "hotline"})
    mine = Coding.objects.get(coder=second)
    theirs = Coding.objects.filter(coder=secretariat).first()
    assert theirs is not None
    assert client.post(page, {"action": "remove", "coding": theirs.pk}).status_code == 404
    compared = client.get(page + "?coder=sec&coder=sec2").content.decode()
    # 7 of 8 units agree; by chance 0.6875: kappa (0.875 - 0.6875) / 0.3125
    assert 'id="kappa">sec and sec2: Cohen\'s kappa 0.60 over 8 answers and themes.' in compared
    assert f'data-unit="{khm.pk}-awareness"' in compared  # sec tagged it, sec2 did not
    client.post(
        page,
        {"action": "applies", "answer": khm.pk, "code": "awareness", "reason": "Radio campaign",
         "coder": ["sec", "sec2"]},
    )  # fmt: skip
    assert CodingDecision.objects.get(answer=khm).applies is True
    client.post(page, {"action": "remove", "coding": mine.pk})
    assert not Coding.objects.filter(coder=second).exists()


def test_only_the_rounds_secretariat_codes(
    client: Client,
    coded_round: Round,  # noqa: F811 - the fixture
    make_user: Callable[..., User],
) -> None:
    client.force_login(make_user(Role.NATIONAL_COORDINATOR, org="KH9", country="KHM"))
    assert client.get(reverse("monitoring:coding", args=[coded_round.key])).status_code == 404
