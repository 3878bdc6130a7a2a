"""The test server that the browser tests use answers requests that arrive at once.

On the tests' in-memory SQLite database, pytest-django's live server shares the test's one
database connection with every request thread (Django's documentation warns that simultaneous
queries on it "may sometimes randomly cause the tests to fail"). A page fires requests at once
(the offline app's key, cases and service worker; htmx swaps one after another), and a request
that began a transaction while another held one failed with a 500: the browser tests were flaky
under load. palermo/conftest.py's `live_server` serves one request at a time on such a
connection.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from palermo.core.choices import Role
from palermo.core.models import User

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 48
THREADS = 8


def _get(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_requests_at_once_are_all_answered(
    live_server: Any, live_reference: None, client: Any, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.CASE_WORKER, org="Outreach NGO", country="ITA")
    client.force_login(user)
    cookie = "sessionid={}".format(client.cookies["sessionid"].value)
    urls = ["/api/v1/cases/?page_size=500", "/intake/offline/key/", "/registry/parties/"]
    statuses: list[int] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        for k in range(index, REQUESTS, THREADS):
            status = _get(live_server.url + urls[k % len(urls)], cookie)
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [200]
    assert len(statuses) == REQUESTS


def test_the_connection_is_shared_only_on_an_in_memory_database(live_server: Any) -> None:
    shared = live_server.thread.connections_override
    in_memory = connection.vendor == "sqlite" and "mode=memory" in connection.settings_dict["NAME"]
    assert bool(shared) == in_memory
