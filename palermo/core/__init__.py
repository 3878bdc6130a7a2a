"""Core: users, organisations, roles and permissions, the audit log, countries and sources."""
