"""Registry: instruments, treaty actions, legislation, mechanisms and memberships, the directory."""
