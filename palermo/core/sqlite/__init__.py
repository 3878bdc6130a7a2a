"""Palermo's SQLite database backend: Django's, with writers queued at a gate (see base.py)."""
