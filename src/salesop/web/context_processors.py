from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salesop.monitor.selectors import unread_count


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    ops_only: bool = False


# One entry per area of the product that exists; areas land here as they are built.
NAVIGATION = (
    NavItem("home", _("My work"), "home"),
    NavItem("leads", _("Leads"), "leads:list"),
    NavItem("deals", _("Deals"), "deals:board"),
    NavItem("customers", _("Companies"), "customers:list"),
    NavItem("icp", _("Ideal customer profile"), "customers:icp"),
    NavItem("monitor", _("Alerts"), "monitor:alerts"),
    NavItem("questions", _("Question bank"), "deals:questions"),
    NavItem("pricing", _("Approvals"), "pricing:approvals"),
    NavItem("contracts", _("Contracts"), "contracts:list"),
    NavItem("delivery", _("Delivery"), "aftersales:projects"),
    NavItem("tickets", _("Tickets"), "aftersales:tickets"),
    NavItem("insights", _("Insights"), "insights:dashboard"),
    NavItem("enablement", _("Training"), "enablement:home"),
    NavItem("playbook", _("Playbook"), "playbook:index"),
    NavItem("api", _("API"), "api:openapi-view"),
    NavItem("admin", _("Administration"), "admin:index", ops_only=True),
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    match = request.resolver_match
    view, area = (match.view_name, match.namespace or match.url_name) if match else ("", "")
    exact = {item.url_name for item in NAVIGATION} & {view}
    items = [
        {
            "key": item.key,
            "label": item.label,
            "url": reverse(item.url_name),
            "active": item.url_name == view or (not exact and item.key == area),
        }
        for item in NAVIGATION
        if not item.ops_only or user.can_administer
    ]
    return {"navigation": items, "unread_count": unread_count(user)}
