"""Judgment files attached to case law (issue 17): checked by their first bytes, encrypted at
rest, read back whole by whoever may read the decision, served as downloads (HTML never as a
page), refused with a clear reason, re-encrypted with the node's keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from palermo.caselaw import judgments, selectors, services
from palermo.caselaw.models import Judgment
from palermo.conftest import PASSWORD
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import User
from palermo.core.tests.factories import bearer_headers

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n" + b"anonymised judgment " * 100 + b"\n%%EOF\n"


@pytest.fixture
def seeded(settings: object, tmp_path: Path) -> None:
    settings.DATA_DIR = str(tmp_path)  # type: ignore[attr-defined]
    services.seed_load()


def test_a_judgment_is_attached_encrypted_and_read_back(
    seeded: None, editor: User, client: Client, make_user: Callable[..., User]
) -> None:
    decision = selectors.decision_get(editor, "echr-siliadin-2005")
    made = judgments.judgment_attach(
        actor=editor, decision=decision, filename="siliadin.pdf", language="fr", content=PDF
    )
    assert made.content_type == "application/pdf" and made.size == len(PDF)
    on_disk = Path(settings.DATA_DIR) / "caselaw" / "judgments" / made.path
    assert b"anonymised" not in on_disk.read_bytes()  # encrypted at rest
    assert judgments.judgment_read(made) == PDF
    # Anyone reads a published decision's file, as a download.
    response = client.get("/caselaw/echr-siliadin-2005/files/{}/".format(made.pk))
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Disposition"].startswith("attachment")
    page = client.get("/caselaw/echr-siliadin-2005/").content.decode()
    assert "siliadin.pdf" in page and 'id="judgment-form"' not in page  # no upload for them
    # HTML is served as text, never as a page of this site.
    html = judgments.judgment_attach(
        actor=editor,
        decision=decision,
        filename="j.html",
        language="en",
        content=b"<!DOCTYPE html><script>alert(1)</script>",
    )
    response = client.get("/api/v1/caselaw/decisions/echr-siliadin-2005/files/{}".format(html.pk))
    assert response["Content-Type"].startswith("text/plain")
    # A tampered file answers 409, not its content.
    on_disk.write_bytes(on_disk.read_bytes()[:-10])
    response = client.get("/caselaw/echr-siliadin-2005/files/{}/".format(made.pk))
    assert response.status_code == 409

    with pytest.raises(ApplicationError, match="PDF, a Word document"):
        judgments.judgment_attach(
            actor=editor, decision=decision, filename="x.exe", language="en", content=b"MZ\x90\x00"
        )
    with pytest.raises(ApplicationError, match="empty"):
        judgments.judgment_attach(
            actor=editor, decision=decision, filename="x.pdf", language="en", content=b""
        )
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="NGA")
    with pytest.raises(ForbiddenError):
        judgments.judgment_attach(
            actor=worker, decision=decision, filename="x.pdf", language="en", content=PDF
        )
    assert Judgment.objects.count() == 2  # noqa: PLR2004


def test_judgments_over_the_page_and_the_api(seeded: None, editor: User, client: Client) -> None:
    client.login(username=editor.username, password=PASSWORD)
    page = client.get("/caselaw/echr-rantsev-2010/").content.decode()
    assert 'id="judgment-form"' in page
    upload = SimpleUploadedFile("rantsev.pdf", PDF, content_type="application/pdf")
    response = client.post("/caselaw/echr-rantsev-2010/files/", {"file": upload, "language": "en"})
    assert response.status_code == 302
    assert Judgment.objects.filter(decision__key="echr-rantsev-2010").count() == 1
    bad = SimpleUploadedFile("r.bin", b"\x00\x01\x02", content_type="application/pdf")
    client.post("/caselaw/echr-rantsev-2010/files/", {"file": bad, "language": "en"})
    assert Judgment.objects.filter(decision__key="echr-rantsev-2010").count() == 1
    body = client.post(
        "/api/v1/caselaw/decisions/echr-rantsev-2010/files",
        {"file": SimpleUploadedFile("r.txt", "Решение суда".encode()), "language": "ru"},
        **bearer_headers(editor),
    )
    assert body.status_code == 201 and body.json()["content_type"] == "text/plain"
    assert judgments.judgments_decrypt_check() == (2, 0)
    assert judgments.judgments_rotate() == 2  # noqa: PLR2004
