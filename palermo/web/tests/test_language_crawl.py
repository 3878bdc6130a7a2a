"""Every page each role reaches, in the five languages besides English, in headless Chromium
(Playwright): no interface text left in English, no page wider than the window in Arabic, and a
screenshot of each page for a person to look at.

The node is `make run`'s demo node (`palermo setup-demo`, `palermo demo-data`). Each demo user,
with their language set, starts at the home page and follows the links of the pages they reach
(one page of each kind: `/cases/<id>/` once, whatever the id), leaving out downloads, the API,
logout and the language switch. On each page, every text node (and every `title`,
`placeholder`, `aria-label` and `alt`) that is exactly an English catalogue entry whose
translation differs is interface text left untranslated; proper names, codes and user data are
not catalogue entries, and pseudonyms, references and codes are inside `<bdi>`. With
PALERMO_SCREENSHOTS set, a screenshot of each page is written to
$PALERMO_SCREENSHOTS/crawl/<language>/ for a person to look at (none otherwise: full-page
screenshots took a third of the crawl's time in CI, where nobody looks at them).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from palermo.conftest import PASSWORD
from palermo.core.catalogues import LANGUAGES, catalogue_read
from palermo.core.models import User
from palermo.core.tests.browser import errors_watch
from palermo.statistics.definitions import definitions_load
from palermo.statistics.models import DataSet
from palermo.web.tests.demo import demo_node_make

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SHOTS_DIR = os.environ.get("PALERMO_SCREENSHOTS", "")
SCREENSHOTS = Path(SHOTS_DIR or tempfile.gettempdir()) / "crawl"
ROLES = ("caseworker", "provider", "investigator", "coordinator", "analyst", "editor", "admin")
PAGES_PER_ROLE = 40
MIN_PAGES = 50  # kinds of page a crawl of every role reaches at least, in each language
SKIP = re.compile(r"^/(api/|static/|i18n/|logout/|media/)|\.(pdf|csv|xlsx|json|png|svg|zip)$")
# One page of each kind: ids, pseudonyms, references and codes in a path are one kind.
KIND = re.compile(
    r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27}|[A-Z]-[A-Z0-9]{6,12}|[A-Z]{3}|[A-Za-z0-9_-]*-\d{4}[^/]*)/"
)

TEXTS = """() => {
  const out = [];
  const skip = new Set(["SCRIPT", "STYLE", "BDI", "CODE", "TEMPLATE", "NOSCRIPT"]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let el = node.parentElement, hidden = false;
    // The language switcher names each language in its own language.
    if (el && el.closest("#language")) continue;
    while (el) { if (skip.has(el.tagName)) { hidden = true; break; } el = el.parentElement; }
    const text = node.textContent.trim();
    if (!hidden && text) out.push(text);
  }
  for (const el of document.querySelectorAll("[title],[placeholder],[aria-label],[alt]")) {
    for (const a of ["title", "placeholder", "aria-label", "alt"]) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v.trim());
    }
  }
  return out;
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _english_entries(language: str) -> set[str]:
    """The English texts of one catalogue whose translation differs (a text that reads the same
    in both languages, a name say, cannot tell)."""
    out = set()
    for message in catalogue_read(language):
        if not isinstance(message.id, str) or not isinstance(message.string, str):
            continue  # the header, plural entries
        text = message.id.strip()
        if (
            text
            and not message.context
            and message.string
            and message.string.strip() != text
            and "%" not in text
            and "{" not in text
            and len(re.findall(r"[A-Za-z]", text)) >= 3
        ):
            out.add(text)
    return out


@pytest.fixture
def demo_node(live_reference: None, settings: Settings, tmp_path: Path) -> None:
    if not DataSet.objects.exists():
        definitions_load()
    demo_node_make(settings, tmp_path, cases=6)


def _crawl(  # noqa: PLR0913 - one role's crawl and what it shares with the others
    page: Page,
    english: set[str],
    shots: Path,
    role: str,
    *,
    arabic: bool,
    seen_kinds: set[str],
    pages: list[str],
) -> list[str]:
    """Follow the role's links from the home page, leaving out the kinds of page an earlier role
    saw (`seen_kinds`, shared); what is wrong, one line each."""
    problems: list[str] = []
    queue = ["/"]
    visited = 0
    while queue and visited < PAGES_PER_ROLE:
        path = queue.pop(0)
        kind = KIND.sub("/*/", path)
        if kind in seen_kinds and path != "/":
            continue
        seen_kinds.add(kind)
        response = page.goto(path)
        if response is None or response.status >= 400:
            continue
        visited += 1
        pages.append(path)
        if SHOTS_DIR:
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            name = "{}-{:02d}-{}.png".format(role, visited, slug[:60])
            page.screenshot(path=str(shots / name), full_page=True)
        left = sorted({t for t in page.evaluate(TEXTS) if t in english})
        if left:
            problems.append("{} {}: in English: {}".format(role, path, left[:8]))
        if arabic and page.evaluate(OVERFLOW) > 1:
            problems.append("{} {}: wider than the window".format(role, path))
        for href in page.eval_on_selector_all(
            "a[href]:not([download])", "els => els.map(e => e.getAttribute('href'))"
        ):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if SKIP.search(parts.path) or parts.path in queue:
                continue
            if KIND.sub("/*/", parts.path) not in seen_kinds:
                queue.append(parts.path)
    return problems


def test_every_page_of_every_role_is_in_each_language(
    browser: Browser, live_server: LiveServer, demo_node: None
) -> None:
    """The five languages crawled in turn on one demo node (making the node took as long as a
    language's crawl); what is wrong in any of them, each line naming its language."""
    problems: list[str] = []
    errors: list[str] = []
    for language in LANGUAGES:
        code = language.lower().replace("_", "-")
        found = _crawl_language(browser, live_server, code, _english_entries(language), errors)
        problems += ["{}: {}".format(code, line) for line in found]
    assert errors == [], "JavaScript errors: {}".format(errors)
    assert problems == [], "\n".join(problems)


def _crawl_language(
    browser: Browser, live_server: LiveServer, code: str, english: set[str], errors: list[str]
) -> list[str]:
    """Every role's pages in one language: what is wrong (JavaScript errors added to
    `errors`)."""
    with translation.override(code):
        assert translation.gettext("Case worker") != "Case worker"
    shots = SCREENSHOTS / code
    if SHOTS_DIR:
        shutil.rmtree(shots, ignore_errors=True)  # only this run's pages
        shots.mkdir(parents=True)
    problems: list[str] = []
    seen_kinds: set[str] = set()
    pages: list[str] = []
    for role in ROLES:
        User.objects.filter(username=role).update(language=code)
        # The browser's own locale too: date fields are written in the reader's format.
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            locale={"zh-hans": "zh-CN"}.get(code, code),
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors_watch(page, errors)
        page.goto("/login/")
        page.fill("input[name=username]", role)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form:has(input[name=password]) button[type=submit]").click()
        page.wait_for_load_state()
        assert '<html lang="{}"'.format(code) in page.content()
        problems += _crawl(
            page, english, shots, role, arabic=code == "ar", seen_kinds=seen_kinds, pages=pages
        )
        context.close()
    # Every kind of page the demo node has (61 when this was written), not a crawl cut short.
    assert len(pages) >= MIN_PAGES, "{}: only {} pages reached".format(code, len(pages))
    return problems
