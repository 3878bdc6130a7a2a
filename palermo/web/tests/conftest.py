"""Fixtures of the web app's browser tests: the live server's tab (`page`)."""

from palermo.core.tests.browser import page

__all__ = ["page"]
