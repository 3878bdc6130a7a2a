"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.settings.base")
application = get_wsgi_application()

# A node whose keys cannot read its database does not serve (palermo.core.keys).
from palermo.core.keys import keys_refuse_to_start  # noqa: E402

keys_refuse_to_start()
