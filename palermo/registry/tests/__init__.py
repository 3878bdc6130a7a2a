"""Tests of the registry app and its factories."""
