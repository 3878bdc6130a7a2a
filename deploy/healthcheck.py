#!/usr/bin/env python3
"""The container's health check: GET /healthz on the node's own port (exit 0 when healthy).

The request names a host the node accepts (the first of PALERMO_ALLOWED_HOSTS); /healthz is
exempt from the HTTPS redirect, so the check works behind the TLS proxy too. Standard library
only. PALERMO_HEALTHCHECK_URL overrides the address (default http://127.0.0.1:8000/healthz).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request


def host() -> str:
    for entry in os.environ.get("PALERMO_ALLOWED_HOSTS", "").split(","):
        name = entry.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def main() -> int:
    url = os.environ.get("PALERMO_HEALTHCHECK_URL", "http://127.0.0.1:8000/healthz")
    request = urllib.request.Request(url, headers={"Host": host()})  # noqa: S310 - fixed scheme
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            healthy = response.status == 200 and json.load(response).get("status") == "ok"
    except (OSError, ValueError) as exc:
        print("unhealthy: {}".format(exc), file=sys.stderr)
        return 1
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
