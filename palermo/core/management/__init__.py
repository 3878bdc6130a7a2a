"""Management commands of the core app and what they share (palermo.core.management.base)."""
