"""Date and number formats where Django's own for a UN language lack one (FORMAT_MODULE_PATH):
what is not set here comes from Django's locale files."""
