"""The translation catalogues are complete and true to the code: every string marked in the source
is in them, every entry translated (none fuzzy) with the English placeholders, markup and the
glossary's terms, and the compiled .mo files are those of the .po files. A new string without its
five translations fails here (README, Contributing)."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Message

from palermo.core.catalogues import (
    LANGUAGES,
    LOCALE_DIR,
    REFERENCE_TEXTS,
    catalogue_counts,
    catalogue_problems,
    catalogue_read,
    message_problems,
    reference_texts,
    reference_texts_template,
)

ROOT = Path(__file__).resolve().parents[3]


def _key(message: Message) -> tuple[str, str | None]:
    ident = message.id if isinstance(message.id, str) else message.id[0]
    return ident, message.context


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_without_a_problem(language: str) -> None:
    counts = catalogue_counts(language)
    assert counts["entries"] > 2000
    assert counts["untranslated"] == 0
    assert counts["fuzzy"] == 0
    problems = catalogue_problems(language)
    assert problems == [], "\n".join(str(p) for p in problems[:30])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_po_file(language: str) -> None:
    mo = LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    table = compiled._catalog  # type: ignore[attr-defined]
    expected = 0
    for message in catalogue_read(language):
        strings = [
            str(s)
            for s in (message.string if isinstance(message.string, tuple) else [message.string])
        ]
        if not message.id or message.fuzzy or not all(strings):
            continue
        ident, context = _key(message)
        key = ident if context is None else "{}\x04{}".format(context, ident)
        if isinstance(message.id, str):
            assert table.get(key) == message.string, ident
        else:
            for index, form in enumerate(strings):
                assert table.get((key, index)) == form, ident
        expected += 1
    assert expected > 2000


def test_the_checks_find_what_is_wrong() -> None:
    """The checks themselves: a lost placeholder, changed markup, a glossary term not followed,
    an empty or fuzzy entry are each reported."""
    cases = [
        (Message("Send %(n)s requests", "Envoyer des demandes"), "placeholders"),
        (Message("Sent {} of {}", "Envoyé {}"), "placeholders"),
        (Message("<strong>Save</strong>", "Enregistrer"), "markup"),
        (Message("Mutual legal assistance", "Assistance mutuelle"), "glossary"),
        (Message("Trafficking in persons", "Trafic d'êtres humains"), "glossary"),
        (Message("Save", ""), "untranslated"),
        (Message("Save", "Enregistrer", flags=["fuzzy"]), "fuzzy"),
    ]
    for message, expected in cases:
        found = message_problems("fr", message)
        assert any(expected in p for p in found), (message.id, found)
    good = Message("Mutual legal assistance for %(n)s", "Entraide judiciaire pour %(n)s")
    assert message_problems("fr", good) == []
    assert message_problems("ru", Message("Trafficking in persons", "Торговля людьми")) == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is missing")
def test_every_marked_string_is_in_the_catalogues(tmp_path: Path) -> None:
    """Extract the source's strings afresh (Django's makemessages on a copy of palermo/) and
    compare with the committed catalogues: `scripts/messages update` was run after the last
    change to a marked string."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "palermo",
        copy / "palermo",
        ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo", "*.po", "static"),
    )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    (copy / "palermo" / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    result = subprocess.run(  # noqa: S603 - this interpreter and our own manage.py
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"],
        cwd=copy,
        env={"DJANGO_SETTINGS_MODULE": "palermo.settings.test", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = {_key(m) for m in catalogue_read("fr", copy / "palermo" / "locale") if m.id}
    committed = {_key(m) for m in catalogue_read("fr") if m.id}
    missing, stale = sorted(fresh - committed), sorted(committed - fresh)
    assert not missing, "not in the catalogues (run scripts/messages update): {}".format(
        missing[:20]
    )
    assert not stale, "in the catalogues but no longer in the code: {}".format(stale[:20])


def test_the_reference_texts_for_the_catalogues_are_current() -> None:
    """palermo/core/reference_data.txt holds the reference data's texts as the data files have
    them now (scripts/messages update rewrites it), and those texts are in every catalogue."""
    assert REFERENCE_TEXTS.read_text(encoding="utf-8") == reference_texts_template()
    texts = {text for _name, text in reference_texts()}
    assert "Deceived about the nature of the job, location or employer" in texts
    assert "African Union" in texts
    for language in LANGUAGES:
        ids = {_key(m)[0] for m in catalogue_read(language) if m.id}
        assert texts <= ids, sorted(texts - ids)[:5]
