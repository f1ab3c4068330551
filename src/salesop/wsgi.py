import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesop.settings")
application = get_wsgi_application()

from salesop.core.process import loaded  # noqa: E402  (the settings must be known first)

loaded()
