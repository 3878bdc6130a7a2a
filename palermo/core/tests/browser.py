"""What every browser test watches on its pages: JavaScript errors and Content-Security-Policy
violations (an inline script, style or handler the policy blocked means a page lost behaviour)."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page


def errors_watch(tab: Page, errors: list[str]) -> None:
    """Append to `errors` every uncaught exception and every CSP violation of `tab`."""

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            where = message.location
            errors.append(
                "{} ({} at {}:{}:{})".format(
                    message.text,
                    message.page.url if message.page else "?",
                    where.get("url"),
                    where.get("lineNumber"),
                    where.get("columnNumber"),
                )
            )

    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", on_console)
