"""Local development: debug on, everything else from base."""

from palermo.settings.base import *  # noqa: F403

DEBUG = True
