"""Issue 11: no exception path logs request or model values.

A canary name is planted in every identifying and contact field of a person (the identity
documents included), and in what people type about them; the API (including its validation
errors and a 500 from a stored value the response schema refuses), the pages and the CLI
commands that touch persons are exercised with every logger at DEBUG, captured by pytest's
`caplog` and by a handler of our own on the root logger that formats each record with its
traceback. The canary must appear in no log line."""

from __future__ import annotations

import io
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import CommandError, call_command
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.test import Client

from palermo.cases.models import PersonIdentity
from palermo.cases.tests.factories import CaseFactory, PersonFactory
from palermo.core.choices import Role
from palermo.core.crypto import encrypt_json
from palermo.core.logs import redact
from palermo.core.models import User

CANARY = "Zqxwv"
NAME = "Canary " + CANARY
IDENTITY: dict[str, Any] = {
    "salutation": NAME,
    "first_name": NAME,
    "middle_name": NAME,
    "second_name": NAME,
    "aliases": [NAME],
    "birthdate": "2001-02-03",
    "identity_number": "ID-" + CANARY,
    "documents": [
        {"type": "passport", "number": CANARY + "123", "country": "ZWE"},
        {"description": NAME},
    ],
    "title": NAME,
    "email": "canary.{}@example.org".format(CANARY.lower()),
    "home_phone": "+267 " + CANARY,
    "mobile_phone": "+267 " + CANARY,
    "mailing_street": NAME + " street",
    "mailing_city": NAME + " city",
    "mailing_state": NAME,
    "mailing_postal_code": CANARY,
    "mailing_country": "BWA",
    "mailing_latitude": -24.6,
    "mailing_longitude": 25.9,
}
LOGGERS = ("", "django", "django.request", "django.server", "django.security", "palermo")


class Lines(logging.Handler):
    """Every record, formatted with its traceback as a log file would have it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], str]]:
    handler = Lines()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
        caplog.set_level(logging.DEBUG, logger=name)
    root.addHandler(handler)
    # Django's default configuration keeps `django.server` from propagating to the root.
    server = logging.getLogger("django.server")
    server.addHandler(handler)

    def text() -> str:
        records = "\n".join(caplog.text.splitlines() + handler.lines)
        return records + "\n".join(r.getMessage() for r in caplog.records)

    yield text
    root.removeHandler(handler)
    server.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def assert_clean(text: str) -> None:
    leaks = [line for line in text.splitlines() if CANARY.lower() in line.lower()]
    assert not leaks, leaks[:5]


def _pages_and_api(worker: User, client: Client, headers: dict[str, Any], tmp_path: Path) -> None:
    case = CaseFactory.create(actor=worker, title="t")
    api = "/api/v1/cases"
    # API: add a person with the canary everywhere; read it; correct it; refuse bad input.
    response = client.post(
        "{}/{}/persons".format(api, case.pk),
        {"role": "presumed_victim", "identity": IDENTITY},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    pseudonym = response.json()["pseudonym"]
    reason: dict[str, Any] = {"HTTP_X_PALERMO_REASON": "check " + CANARY}
    person_url = "{}/persons/{}".format(api, pseudonym)
    assert client.get(person_url + "/identity", **headers, **reason).status_code == 200
    bad_inputs: list[tuple[str, str, Any]] = [
        ("put", person_url + "/identity", {"mailing_country": NAME}),
        ("put", person_url + "/identity", {"birthdate": NAME}),
        ("put", person_url + "/identity", {"documents": NAME + "{"}),
        ("put", person_url + "/identity", [NAME]),
        ("patch", person_url, [NAME]),
        ("patch", person_url, {"citizenship": [NAME]}),
        ("patch", person_url, {"gender": NAME}),
        ("post", "{}/{}/persons".format(api, case.pk), {"role": NAME, "identity": IDENTITY}),
        ("post", "{}/{}/comments".format(api, case.pk), {"text": 7, NAME: NAME}),
    ]
    for method, url, body in bad_inputs:
        response = getattr(client, method)(
            url, json.dumps(body), content_type="application/json", **headers
        )
        assert 400 <= response.status_code < 500, (url, body, response.status_code)
        assert CANARY not in response.content.decode(), (url, body, response.content)
    assert client.get(person_url + "/identity?reason=" + CANARY, **headers).status_code == 400
    # A stored value the response schema refuses: a 500, in the shape, logged without values.
    person = PersonIdentity.objects.get(person__pseudonym=pseudonym)
    stored = IDENTITY | {"birthdate": NAME, "documents": NAME}
    PersonIdentity.objects.filter(pk=person.pk).update(ciphertext=encrypt_json(stored))
    response = client.get(person_url + "/identity", **headers, **reason)
    assert response.status_code == 500 and CANARY not in response.content.decode()
    PersonIdentity.objects.filter(pk=person.pk).update(ciphertext=encrypt_json(IDENTITY))

    # Pages: add a person through the form, search for the name, reveal the identity.
    client.force_login(worker)
    form = {
        "role": "presumed_victim",
        "identity_first_name": NAME,
        "identity_second_name": NAME,
        "identity_aliases": NAME,
        "identity_documents": NAME,
        "identity_identity_number": CANARY,
        "identity_mobile_phone": CANARY,
        "identity_mailing_street": NAME,
        "identity_mailing_city": NAME,
        "identity_mailing_country": "BWA",
        "citizenship": NAME,  # refused, shown again with the error
    }
    response = client.post("/cases/{}/persons/new/".format(case.pk), form)
    assert response.status_code in (200, 400, 422), response.status_code
    response = client.post("/cases/{}/persons/new/".format(case.pk), form | {"citizenship": ""})
    assert response.status_code in (200, 302, 303), response.status_code
    assert client.get("/cases/", {"q": NAME}).status_code == 200
    assert client.get("/cases/persons/{}/".format(pseudonym)).status_code == 200
    response = client.post(
        "/cases/persons/{}/identity/".format(pseudonym), {"reason": "check " + CANARY}
    )
    assert response.status_code == 200 and NAME in response.content.decode()

    # CLI: export with identities, import it again into another organisation, and an import
    # whose identifying cell is refused.
    out = tmp_path / "cases.csv"
    call_command(
        "cases",
        "export",
        "--org",
        case.organisation.name,
        "--as",
        worker.username,
        "--format",
        "csv",
        "--identifying",
        "--reason",
        "transfer " + CANARY,
        "-o",
        str(out),
        stdout=io.StringIO(),
    )
    assert NAME in out.read_text()
    other = CaseFactory.create(actor=worker, title="u").organisation
    importing = ("--org", other.name, "--as", worker.username, "--new-pseudonyms")
    call_command("cases", "import", str(out), *importing, stdout=io.StringIO())
    broken = tmp_path / "broken.csv"
    broken.write_text(out.read_text().replace("2001-02-03", NAME, 1))
    with pytest.raises(CommandError) as info:
        call_command("cases", "import", str(broken), *importing, stdout=io.StringIO())
    assert CANARY not in str(info.value)
    call_command("cases", "fields", stdout=io.StringIO())
    call_command("cases", "anonymise", "--today", "2099-01-01", stdout=io.StringIO())


@pytest.mark.django_db
def test_no_personal_data_in_logs_from_the_api_the_pages_or_the_cli(
    logs: Callable[[], str],
    make_user: Callable[..., User],
    client: Client,
    bearer: Callable[[User], dict[str, Any]],
    tmp_path: Path,
) -> None:
    worker = make_user(Role.CASE_WORKER, org="Shelter", kind="ngo", username="worker")
    PersonFactory  # noqa: B018 - persons are added through the API and the pages here
    _pages_and_api(worker, client, bearer(worker), tmp_path)
    text = logs()
    assert "server error" in text  # the 500 was logged, as its type and location
    assert_clean(text)


def test_an_exception_logged_with_its_traceback_loses_its_message(
    logs: Callable[[], str],
) -> None:
    """What Django's own 500 logging does (`django.request`, exc_info): the message (which can
    hold a value) is withheld, the frames stay."""
    try:
        raise KeyError(NAME)
    except KeyError:
        logging.getLogger("django.request").error("Internal Server Error: /x", exc_info=True)
    text = logs()
    assert "KeyError (message withheld)" in text and "test_no_personal_data_in_logs" in text
    assert_clean(text)


def test_request_lines_lose_their_query_strings() -> None:
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        ("GET /cases/?q=Canary+Zqxwv HTTP/1.1", "200", "10"), None,
    )  # fmt: skip
    assert CANARY not in redact(record).getMessage()


def test_the_development_server_logs_no_query_string(logs: Callable[[], str]) -> None:
    """Over real HTTP with Django's own server (`palermo runserver`), which logs every request
    line (`django.server`): the query string, where a search term travels, is not logged."""
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(WSGIHandler())  # not get_wsgi_application(): it configures logging again
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    url = "http://127.0.0.1:{}/api/v1/no-such-list?q={}".format(
        server.server_port, NAME.replace(" ", "+")
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url, timeout=10)  # noqa: S310 - our own loopback server
    assert info.value.code == 404
    thread.join(10)
    server.server_close()
    text = logs()
    assert "GET /api/v1/no-such-list" in text
    assert_clean(text)
