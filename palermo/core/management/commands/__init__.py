"""The core app's commands: org, user, token, audit, setup-demo."""
