"""Template tags of the registry pages (registry_tags)."""
