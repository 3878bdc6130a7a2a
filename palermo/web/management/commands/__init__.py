"""The web app's commands: load-reference (the data of several apps)."""
