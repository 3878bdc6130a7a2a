"""`make run`'s demo node in the test database, for the browser tests of first days."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command
from pytest_django import Settings

from palermo.conftest import PASSWORD
from palermo.core.models import User

SHELTER = "Palermo demo shelter"


def demo_node_make(settings: Settings, tmp_path: Path, *, cases: int = 0, today: str = "") -> None:
    """The demo organisations and users (`palermo setup-demo`), `cases` demo cases of the demo
    shelter (`palermo demo-data`, arranged around `today` if given), every demo user logging in
    with the tests' PASSWORD."""
    settings.DATA_DIR = tmp_path
    call_command("setup_demo", stdout=io.StringIO())
    if cases:
        args = ["--cases", str(cases), "--org", SHELTER, "--as", "caseworker"]
        call_command(
            "demo_data", *args, *(["--today", today] if today else []), stdout=io.StringIO()
        )
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
