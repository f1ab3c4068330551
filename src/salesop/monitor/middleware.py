"""/health/ answered before the Host check, for load balancers that probe each server by its
address."""

from salesop.monitor.views import health

HEALTH_PATH = "/health/"


class HealthCheckMiddleware:
    """Answers /health/ itself, ahead of CommonMiddleware: a load balancer probes each server
    at its own address (`Host: 10.0.0.5:8000`), which ALLOWED_HOSTS rightly refuses for every
    other page. The answer names no host and sets no cookie, so it is safe to give to any
    Host; the header middleware above it still adds its headers. (settings.py exempts the
    path from the HTTPS redirect, which would otherwise answer a plain-HTTP probe 301 whatever
    the state.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            return health(request)
        return self.get_response(request)
