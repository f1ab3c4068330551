"""The one NinjaAPI, mounted at /api/v1, with each app's router."""

from ninja import NinjaAPI

from salesop.accounts.api import router as accounts_router
from salesop.accounts.auth import CallerRateThrottle, api_auth
from salesop.activities.api import router as activities_router
from salesop.aftersales.api import router as aftersales_router
from salesop.contracts.api import router as contracts_router
from salesop.core.api import Parser, install_error_handlers
from salesop.customers.api import router as customers_router
from salesop.deals.api import router as deals_router
from salesop.deals.discovery.api import router as discovery_router
from salesop.deals.proposals.api import router as proposals_router
from salesop.enablement.api import router as enablement_router
from salesop.insights.api import router as insights_router
from salesop.leads.api import intake_router
from salesop.leads.api import router as leads_router
from salesop.monitor.api import router as monitor_router
from salesop.playbook.api import router as playbook_router
from salesop.playbook.openapi import describe
from salesop.pricing.api import router as pricing_router
from salesop.web.api import router as search_router


class SalesopAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The document as the code declares it, with the custom fields defined now."""
        return describe(super().get_openapi_schema(**kwargs))


api = SalesopAPI(
    title="salesop API",
    version="1",
    description="The sales SOP as an API. Authenticate with a personal token: "
    "`Authorization: Bearer <token>` (create one under Profile > API tokens).",
    auth=api_auth,
    throttle=[CallerRateThrottle()],
    parser=Parser(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", customers_router)
api.add_router("/", deals_router)
api.add_router("/", discovery_router)
api.add_router("/", playbook_router)
api.add_router("/", activities_router)
api.add_router("/", monitor_router)
api.add_router("/", leads_router)
api.add_router("/", intake_router)
api.add_router("/", insights_router)
api.add_router("/", enablement_router)
api.add_router("/", pricing_router)
api.add_router("/", proposals_router)
api.add_router("/", contracts_router)
api.add_router("/", aftersales_router)
api.add_router("/", search_router)
