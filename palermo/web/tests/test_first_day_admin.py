"""An administrator's first day on a fresh demo node, in headless Chromium (Playwright): create an
organisation, invite a user (who sets a password with the link), change a role, deactivate and
reactivate a user, revoke a user's API token, search the audit log and verify its chain; an
unknown address shows the 404 page in the layout with a way back; a form over the size limit is
explained and keeps what was typed; the directory is a page of a few screens, not 19,000 px."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from palermo.core.choices import AuditAction, Role
from palermo.core.models import ApiToken, AuditEntry, Organisation, User
from palermo.core.tests.browser import log_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_password(live_reference: None) -> str:
    """`palermo setup-demo` on the node (the reference data loaded): the demo users' password."""
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    found = re.search(r"^password: (\S+)$", out.getvalue(), re.MULTILINE)
    assert found is not None
    return found.group(1)


def user_row(page: Page, username: str) -> object:
    return page.locator('tr.user[data-username="{}"]'.format(username))


def test_the_administrators_first_day(  # noqa: PLR0915 - one walk through the day
    page: Page, browser: Browser, live_server: LiveServer, demo_password: str, settings: Settings
) -> None:
    log_in(page, "admin", demo_password)
    page.locator(".site-header").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(page.locator("tr.user")).to_have_count(User.objects.count())

    # An organisation.
    page.get_by_role("link", name="Organisations").click()
    page.get_by_label("Name").fill("Demo legal aid clinic")
    page.get_by_label("Kind").select_option("ngo")
    page.get_by_label("Country").fill("ITA")
    page.get_by_role("button", name="Create organisation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Organisation Demo legal aid clinic created."
    )
    expect(page.locator("tr.organisation", has_text="Demo legal aid clinic")).to_contain_text(
        "Italy"
    )

    # A user invited with a link; the link sets their password once.
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="Invite or create a user").click()
    page.get_by_label("Username").fill("lawyer")
    page.get_by_label("Organisation").select_option("Demo legal aid clinic")
    page.get_by_label("Role").select_option(Role.CASE_WORKER)
    page.get_by_label("An invitation link").check()
    page.get_by_role("button", name="Create user").click()
    link = page.locator("#invitation-link").input_value()
    assert link.startswith(live_server.url + "/invitation/")

    other = browser.new_context(base_url=live_server.url, locale="en-GB")
    newcomer = other.new_page()
    newcomer.goto(link)
    newcomer.get_by_label("New password", exact=True).fill("a long lawyer passphrase 9")
    newcomer.get_by_label("New password confirmation").fill("a long lawyer passphrase 9")
    newcomer.get_by_role("button", name="Set password").click()
    expect(newcomer.get_by_role("status")).to_contain_text("Your password is set")
    log_in(newcomer, "lawyer", "a long lawyer passphrase 9")
    newcomer.goto("/account/tokens/")
    newcomer.get_by_label("Name").fill("court filings")
    newcomer.get_by_role("button", name="Issue token").click()
    expect(newcomer.locator("#new-token")).to_be_visible()
    newcomer.goto(link)
    expect(newcomer.get_by_text("This invitation link is no longer valid")).to_be_visible()
    other.close()

    # Change a role.
    page.get_by_role("link", name="Back to the users").click()
    row = page.locator('tr.user[data-username="lawyer"]')
    row.get_by_label("Role of lawyer").select_option(Role.INVESTIGATOR)
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("status")).to_contain_text("lawyer is now Investigator / prosecutor")
    assert User.objects.get(username="lawyer").role == Role.INVESTIGATOR

    # Deactivate, then reactivate, a user.
    row = page.locator('tr.user[data-username="analyst"]')
    row.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_contain_text("analyst is deactivated")
    expect(page.locator('tr.user[data-username="analyst"] .badge')).to_have_text("deactivated")
    page.locator('tr.user[data-username="analyst"]').get_by_role(
        "button", name="Reactivate"
    ).click()
    expect(page.get_by_role("status")).to_contain_text("analyst can log in again")
    assert User.objects.get(username="analyst").is_active

    # Revoke the newcomer's token.
    page.locator('tr.user[data-username="lawyer"]').get_by_role("link", name="API tokens").click()
    token_row = page.locator("tr.token", has_text="court filings")
    expect(token_row.locator(".badge")).to_have_text("active")
    token_row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("of lawyer is revoked")
    expect(page.locator("tr.token", has_text="court filings").locator(".badge")).to_have_text(
        "revoked"
    )
    assert ApiToken.objects.get(user__username="lawyer").revoked_at is not None

    # Search the audit log and verify the chain.
    page.get_by_role("link", name="Audit log").click()
    page.locator("#id_actor").fill("admin")
    page.locator("#id_action").select_option(AuditAction.DEACTIVATE.value)
    page.get_by_role("button", name="Search").click()
    entries = page.locator("tr.audit-entry")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("User deactivated")
    page.get_by_role("button", name="Verify the audit chain").click()
    expect(page.locator("#verify-result")).to_contain_text("Audit chain intact.")
    checked = AuditEntry.objects.count()
    expect(page.locator("#verify-result")).to_contain_text("{} entries verified".format(checked))
    expect(page.locator("tr.audit-entry")).to_have_count(1)  # the search is kept

    # An unknown address: the 404 page in the layout, with a way back.
    page.get_by_role("link", name="Audit log").click()
    page.goto("/administration/no-such-page/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator(".site-header")).to_be_visible()
    page.get_by_role("link", name="Back to the previous page").click()
    expect(page).to_have_url(re.compile(r"/administration/audit/"))
    page.goto("/no-such-page/")
    page.locator("main").get_by_role("link", name="Home page").click()
    expect(page).to_have_url(live_server.url + "/")

    # A form over the size limit: explained before sending, what was typed stays.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    page.goto("/administration/organisations/")
    typed = "€" * 300  # 2,700 bytes once encoded
    page.get_by_label("Name").fill(typed)
    page.get_by_label("Kind").select_option("ngo")
    page.get_by_role("button", name="Create organisation").click()
    alert = page.locator("form .too-large")
    expect(alert).to_contain_text("This form is too large to send")
    expect(alert).to_contain_text("at most 2 KB")
    assert page.get_by_label("Name").input_value() == typed
    # Without the browser's check, the server answers with its page about the limit.
    page.evaluate("document.body.removeAttribute('data-upload-max-bytes')")
    page.get_by_role("button", name="Create organisation").click()
    expect(page.get_by_role("heading", name="Too large to send")).to_be_visible()
    expect(page.locator("main")).to_contain_text("at most 2.0")
    expect(page.locator("main")).to_contain_text("your browser keeps what you typed")
    assert not Organisation.objects.filter(name=typed).exists()
    page.get_by_role("link", name="Back to the previous page").click()
    expect(page.get_by_label("Name")).to_have_value(typed)  # the browser kept what was typed


def test_the_directory_is_a_few_screens_not_19000_px(page: Page, demo_password: str) -> None:
    page.goto("/registry/directory/")
    expect(page.locator("tr.directory-entry").first).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, "the directory page is {} px tall".format(height)
    expect(page.locator(".result-count")).to_contain_text("entries")
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator(".pagination")).to_contain_text("Page 2 of")
    page.get_by_label("Country", exact=True).fill("DNK")
    page.get_by_label("Country", exact=True).press("Enter")
    expect(page.locator("tr.directory-group")).to_have_count(1)
    expect(page.locator("tr.directory-group")).to_have_text("Denmark")
    # The filter's requests are all answered before the test's database is emptied (one still
    # running while PostgreSQL truncates the tables deadlocks the truncation).
    page.wait_for_load_state("networkidle")
