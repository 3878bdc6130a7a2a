"""Tests of the web app: the home page, logging in, and the registry in a browser."""
