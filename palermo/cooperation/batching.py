"""Node-to-node transport at volume: kept-alive HTTP connections, and several envelopes per POST.

- `http_post`: POST over a connection kept open per peer (and per thread), so a burst of
  messages pays one TCP handshake, not one per message.
- The batch inbox (POST /api/v1/node/inbox/batch): a peer sends up to `BATCH_MAX` envelopes,
  each with its own signature, in one body `{"v": 1, "envelopes": [{"body": "<the canonical
  envelope>", "signature": "<base64>"}, ...]}`. Each envelope is checked, stored and applied
  exactly as by the single inbox (transport.inbox_receive), in order, all in one database
  transaction (one commit for the batch); the answer lists, per envelope, its signed receipt
  (`{"status": 200, "body": "<receipt>", "signature": "..."}`) or its refusal (`{"status": 409,
  "code": "out_of_order", "detail": "..."}`). A refusal of one envelope does not affect the
  others. A peer without the batch endpoint (404) is sent one envelope per POST.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from palermo.cooperation import signing

BATCH_PATH = "/api/v1/node/inbox/batch"
BATCH_MAX = 100  # envelopes per POST
BATCH_ENVELOPE_MAX = 64 * 1024  # a larger envelope (attachments) goes alone
TIMEOUT = 10.0

TransportReply = tuple[int, dict[str, str], bytes]


# --- kept-alive connections ------------------------------------------------------------------


class _Connections(threading.local):
    def __init__(self) -> None:
        self.open: dict[tuple[str, str, int], http.client.HTTPConnection] = {}


_connections = _Connections()


def _connection(scheme: str, host: str, port: int) -> tuple[http.client.HTTPConnection, bool]:
    key = (scheme, host, port)
    conn = _connections.open.get(key)
    if conn is not None:
        return conn, True
    if scheme == "https":
        conn = http.client.HTTPSConnection(
            host, port, timeout=TIMEOUT, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    _connections.open[key] = conn
    return conn, False


def _drop(scheme: str, host: str, port: int) -> None:
    conn = _connections.open.pop((scheme, host, port), None)
    if conn is not None:
        conn.close()


def connections_close() -> None:
    """Close this thread's kept-alive connections."""
    for key in list(_connections.open):
        _drop(*key)


def http_post(url: str, body: bytes, headers: dict[str, str]) -> TransportReply:
    """POST on a kept-alive connection; HTTP errors come back as a status, a peer that cannot
    be reached raises OSError. A kept connection the peer closed meanwhile is reopened once
    (safe: the inbox answers a repeated envelope "duplicate")."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise OSError("not an http(s) URL: {}".format(url))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    all_headers = {"Content-Type": "application/json", **headers}
    for _attempt in range(2):
        conn, reused = _connection(parts.scheme, parts.hostname, port)
        try:
            conn.request("POST", path, body=body, headers=all_headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            _drop(parts.scheme, parts.hostname, port)
            if reused:
                continue
            raise OSError(str(exc) or type(exc).__name__) from exc
        if resp.will_close:
            _drop(parts.scheme, parts.hostname, port)
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    raise OSError("the connection to {} failed twice".format(parts.hostname))


# --- the batch inbox (receiving side) ----------------------------------------------------------


@dataclass(frozen=True)
class BatchItem:
    body: bytes
    signature: str


def batch_parse(body: bytes) -> list[BatchItem]:
    """The envelopes of a batch body; ValueError naming the problem."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError(_("The body is not valid JSON.")) from None
    if not isinstance(data, dict) or data.get("v") != signing.VERSION:
        raise ValueError(_("The batch is not a version 1 object."))
    items = data.get("envelopes")
    if not isinstance(items, list) or not 0 < len(items) <= BATCH_MAX:
        raise ValueError(_("envelopes is a list of 1 to {} items.").format(BATCH_MAX))
    parsed = []
    for item in items:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("body"), str)
            and isinstance(item.get("signature"), str)
        ):
            raise ValueError(_("Each envelope is an object with body and signature strings."))
        parsed.append(BatchItem(item["body"].encode("utf-8"), item["signature"]))
    return parsed


def batch_body(items: list[tuple[bytes, dict[str, str]]]) -> bytes:
    """The body of a batch POST from (canonical envelope, its headers) pairs."""
    return json.dumps(
        {
            "v": signing.VERSION,
            "envelopes": [
                {"body": body.decode("utf-8"), "signature": headers[signing.SIGNATURE_HEADER]}
                for body, headers in items
            ],
        }
    ).encode("utf-8")


def batch_answers(body: bytes, count: int) -> list[dict[str, Any]]:
    """The per-envelope answers of a batch reply; ValueError when it is not one."""
    data = json.loads(body)
    answers = data.get("receipts") if isinstance(data, dict) else None
    if not isinstance(answers, list) or len(answers) != count:
        raise ValueError("the batch answer does not have one entry per envelope")
    if not all(isinstance(a, dict) and isinstance(a.get("status"), int) for a in answers):
        raise ValueError("a batch answer entry is not an object with a status")
    return answers
