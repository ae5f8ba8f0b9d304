"""WSGI entry point used by `unstuck serve` and by any external WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unstuck.settings")
application = get_wsgi_application()
