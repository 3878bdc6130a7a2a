"""Finding a person by name through the blind index (cases.names): exact, folded, transliterated
and phonetic matches, only among the persons whose identity the user may read, no plaintext in
the index, the index kept with the identity, a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import Settings

from palermo.cases import names
from palermo.cases import services as s
from palermo.cases.models import Case, Person, PersonNameToken
from palermo.cases.tests.factories import CaseFactory
from palermo.core.errors import ForbiddenError
from palermo.core.keys import keys_problems
from palermo.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Lagos", country="NGA", kind="ngo")


@pytest.fixture
def case(clock: time_machine.Traveller, worker: User) -> Case:
    return CaseFactory.create(actor=worker, opened_on=D(2026, 1, 10), title="Farm")


@pytest.fixture
def okafor(worker: User, case: Case) -> Person:
    return s.person_add(
        actor=worker,
        case=case,
        role="presumed_victim",
        identity={"first_name": "Chiamaka", "second_name": "Okafor", "aliases": ["Ada"]},
        age_at_registration=30,
    )


def found(user: User, text: str) -> list[str]:
    return [hit.person.pseudonym for hit in s.person_name_search(actor=user, text=text)]


@pytest.mark.parametrize(
    "text",
    ["Okafor", "okafor", "OKAFÒR", "Окафор", "Ocafor", "Okaphor", "chiamaka okafor", "Ada"],
)
def test_a_name_finds_the_person_exactly_folded_transliterated_and_by_sound(
    worker: User, okafor: Person, text: str
) -> None:
    assert found(worker, text) == [okafor.pseudonym]


def test_exact_matches_rank_before_sound_alike_ones(
    worker: User, case: Case, okafor: Person
) -> None:
    other = s.person_add(
        actor=worker, case=case, role="witness", identity={"second_name": "Ocafor"}
    )
    hits = s.person_name_search(actor=worker, text="Okafor")
    assert [(h.person.pseudonym, h.exact) for h in hits] == [
        (okafor.pseudonym, True),
        (other.pseudonym, False),
    ]
    assert found(worker, "Chiamaka Adebayo") == []  # every word must match


def test_another_organisations_person_is_not_found(
    make_user: Callable[..., User], okafor: Person
) -> None:
    other = make_user("case_worker", org="Other NGO", country="NGA", kind="ngo")
    assert found(other, "Okafor") == []
    coordinator = make_user("national_coordinator", org="NCO", country="NGA")
    with pytest.raises(ForbiddenError):
        s.person_name_search(actor=coordinator, text="Okafor")


def test_a_case_shared_without_identity_does_not_reveal_names(
    make_user: Callable[..., User], worker: User, case: Case, okafor: Person
) -> None:
    partner = make_user("case_worker", org="Safe house", country="NGA", kind="ngo")
    assert partner.organisation is not None
    org = partner.organisation
    s.case_share(actor=worker, case=case, organisation=org, scopes=["case_facts"], reason="care")
    assert found(partner, "Okafor") == []
    s.consent_record(actor=worker, person=okafor, purpose="data_sharing", given_on=D(2026, 1, 12))
    s.case_share(
        actor=worker,
        case=case,
        organisation=org,
        scopes=["identity"],
        persons=[okafor.pseudonym],
        reason="care",
    )
    assert found(partner, "Okafor") == [okafor.pseudonym]


def test_the_index_holds_no_plaintext_and_follows_the_identity(
    worker: User, okafor: Person
) -> None:
    rows = list(PersonNameToken.objects.filter(identity_id=okafor.pk).values("kind", "digest"))
    # 32 hex digits each: nothing else fits in them. (A short name made of hex letters, "ada",
    # turns up inside random digits now and then, so the check is the form, not a substring.)
    assert rows and all(re.fullmatch(r"[0-9a-f]{32}", r["digest"]) for r in rows)
    stored = " ".join(r["digest"] for r in rows)
    for plain in ("okafor", "chiamaka", "okfr"):
        assert plain not in stored
    s.person_identity_set(actor=worker, person=okafor, identity={"second_name": "Adebayo"})
    assert found(worker, "Okafor") == []
    assert found(worker, "Adebayo") == [okafor.pseudonym]
    assert found(worker, "Chiamaka") == [okafor.pseudonym]  # the names not changed stay


def test_anonymising_or_deleting_removes_the_index(worker: User, okafor: Person) -> None:
    s.case_anonymise(case=okafor.case)
    assert not PersonNameToken.objects.exists()
    assert found(worker, "Okafor") == []


def test_a_search_issues_a_bounded_number_of_queries(worker: User, case: Case) -> None:
    for _i in range(3):
        s.person_add(actor=worker, case=case, role="witness", identity={"second_name": "Okafor"})

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert len(s.person_name_search(actor=worker, text="Okafor Ocafor")) >= 3
        return len(ctx.captured_queries)

    few = count()
    for _i in range(20):
        s.person_add(actor=worker, case=case, role="witness", identity={"second_name": "Okafor"})
    assert count() == few <= 12


def test_a_search_that_finds_someone_is_audited_without_the_name(
    worker: User, okafor: Person
) -> None:
    found(worker, "Okafor")
    entry = AuditEntry.objects.filter(object_type="cases.name_search").get()
    assert entry.actor == worker and okafor.pseudonym in str(entry.after)
    assert "kafor" not in str(entry.after).lower()


def test_reindex_rebuilds_with_a_new_key_and_the_start_up_check_sees_a_wrong_key(
    settings: Settings, worker: User, okafor: Person
) -> None:
    assert keys_problems() == []
    settings.PALERMO_NAME_INDEX_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
    assert any("reindex-names" in p for p in keys_problems())
    assert found(worker, "Okafor") == []  # hashes under the old key
    identities, rows = names.name_index_rebuild()
    assert identities == 1 and rows > 0
    assert keys_problems() == []
    assert found(worker, "Okafor") == [okafor.pseudonym]


def test_reindex_names_command_rebuilds_and_can_take_a_new_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    worker: User,
    okafor: Person,
) -> None:
    monkeypatch.setenv("PALERMO_KEY_DIR", str(tmp_path))
    monkeypatch.delenv("PALERMO_NAME_INDEX_KEY", raising=False)
    before = set(PersonNameToken.objects.values_list("digest", flat=True))
    out = StringIO()
    call_command("cases", "reindex-names", "--new-key", stdout=out)
    assert "1 identities" in out.getvalue()
    assert (tmp_path / "name_index_key").stat().st_mode & 0o077 == 0
    after = set(PersonNameToken.objects.values_list("digest", flat=True))
    assert after and not after & before  # every hash is under the new key
    assert found(worker, "Okafor") == [okafor.pseudonym]
    assert AuditEntry.objects.filter(object_type="cases.name_index").exists()
    monkeypatch.setenv("PALERMO_NAME_INDEX_KEY", settings.PALERMO_NAME_INDEX_KEY)
    with pytest.raises(CommandError, match="PALERMO_NAME_INDEX_KEY"):
        call_command("cases", "reindex-names", "--new-key", stdout=StringIO())
