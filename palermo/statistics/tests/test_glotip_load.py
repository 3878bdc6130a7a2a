"""`palermo stats load-glotip` (what `make run` calls): the real UNODC GLOTIP file from the
shared data folder, loaded once, in one transaction, readable by an analyst."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from palermo.conftest import PASSWORD
from palermo.core.models import AuditEntry, User
from palermo.settings.env import BASE_DIR
from palermo.statistics.choices import ValueOrigin
from palermo.statistics.interchange import glotip_load as gl
from palermo.statistics.models import DataImport, Value

pytestmark = pytest.mark.django_db

REAL = gl.glotip_default_path()
needs_real_file = pytest.mark.skipif(
    not REAL.is_file(),
    reason="the UNODC GLOTIP CSV is not at {} (the project's shared data folder)".format(REAL),
)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("stats", "load-glotip", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_default_file_is_the_shared_data_folder_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(gl.GLOTIP_ENV, raising=False)
    beside = BASE_DIR.parent / "shared" / "data" / "unodc-glotip"
    assert gl.glotip_default_path() == beside / "data_glotip.csv"
    monkeypatch.setenv(gl.GLOTIP_ENV, str(tmp_path / "g.csv"))
    assert gl.glotip_default_path() == tmp_path / "g.csv"


def test_an_absent_file_is_said_with_what_to_do_and_nothing_changes(tmp_path: Path) -> None:
    missing = tmp_path / "data_glotip.csv"
    out, err = run(str(missing))
    assert out == ""
    assert "UNODC GLOTIP data not loaded: there is no file {}".format(missing) in err
    assert "palermo stats load-glotip FILE" in err and gl.GLOTIP_DOWNLOAD in err
    assert not DataImport.objects.exists()
    with pytest.raises(CommandError, match="there is no file"):
        run(str(missing), "--require")


@needs_real_file
def test_the_real_file_loads_once_public_and_an_analyst_sees_150_countries(
    make_user: Callable[..., User], stats_analyst: User
) -> None:
    out, _err = run()
    assert "UNODC GLOTIP data loaded from data_glotip.csv" in out
    assert "Source: UNODC GLOTIP" in out  # the provenance note beside the file
    figures = Value.objects.filter(origin=ValueOrigin.GLOTIP)
    countries = figures.values("country_id").distinct().count()
    assert countries >= 150 and figures.count() > 50_000
    assert not figures.filter(public=False).exists()
    record = DataImport.objects.get()
    assert record.values == figures.count() and record.public

    # Again: the same file is not imported a second time (no new record, no audit entry).
    audits = AuditEntry.objects.count()
    out, _err = run()
    assert "already loaded" in out and "nothing changed" in out
    assert DataImport.objects.count() == 1 and AuditEntry.objects.count() == audits
    assert Value.objects.filter(origin=ValueOrigin.GLOTIP).count() == record.values

    # An analyst sees every country's GLOTIP figures on the statistics overview.
    client = Client()
    assert client.login(username=stats_analyst.username, password=PASSWORD)
    page = client.get(reverse("statistics:index"))
    assert len(page.context["countries"]) >= 150
    assert "Nigeria" in page.content.decode()


def test_a_failed_load_writes_nothing(tmp_path: Path) -> None:
    """One transaction: a failure after the figures are written leaves no figure behind."""
    src = tmp_path / "data_glotip.csv"
    src.write_text(
        "Iso3_code,Country,Region,Subregion,Indicator,Dimension,Category,Sex,Age,Year,"
        "Unit of measurement,txtVALUE,Source\n"
        "NGA,Nigeria,Africa,Sub-Saharan Africa,Detected trafficking victims,Total,Total,Total,"
        "Total,2020,Counts,120,GLOTIP\n",
        encoding="utf-8",
    )
    with (
        mock.patch.object(gl, "_loaded", side_effect=[(0, 0), RuntimeError("disk full")]),
        pytest.raises(RuntimeError, match="disk full"),
    ):
        gl.glotip_load(src)
    assert not Value.objects.filter(origin=ValueOrigin.GLOTIP).exists()
    assert not DataImport.objects.exists()
    result = gl.glotip_load(src)
    assert (result.status, result.figures, result.countries) == ("loaded", 1, 1)
    assert gl.glotip_load(src).status == "unchanged"
    assert gl.glotip_load(src, force=True).status == "loaded"
