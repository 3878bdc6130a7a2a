"""Tests of the core app, its factories (organisations, users, tokens) and a database snapshot."""
