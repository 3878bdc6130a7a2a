#!/usr/bin/env python
"""Django's manage.py; `palermo` is the same thing installed as a console script."""

from palermo.cli import main

if __name__ == "__main__":
    main()
