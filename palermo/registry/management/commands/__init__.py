"""The registry app's commands: `palermo registry ...`."""
