from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salesop.accounts.models import Role
from salesop.monitor.selectors import unread_count


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    ops_only: bool = False


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str | Promise
    items: tuple[NavItem, ...]


# The areas of the product, grouped as a department works: six entries fit a laptop's width
# (fifteen wrapped at 1366 px). An entry of one item is a plain link.
NAVIGATION = (
    NavGroup("home", _("My work"), (NavItem("home", _("My work"), "home"),)),
    NavGroup(
        "sales",
        _("Sales"),
        (
            NavItem("leads", _("Leads"), "leads:list"),
            NavItem("deals", _("Deals"), "deals:board"),
            NavItem("customers", _("Companies"), "customers:list"),
            NavItem("pricing", _("Approvals"), "pricing:approvals"),
            NavItem("contracts", _("Contracts"), "contracts:list"),
        ),
    ),
    NavGroup(
        "service",
        _("Delivery and service"),
        (
            NavItem("delivery", _("Delivery"), "aftersales:projects"),
            NavItem("tickets", _("Tickets"), "aftersales:tickets"),
        ),
    ),
    NavGroup("monitor", _("Alerts"), (NavItem("monitor", _("Alerts"), "monitor:alerts"),)),
    NavGroup(
        "insights",
        _("Insights"),
        (
            NavItem("insights", _("Insights"), "insights:dashboard"),
            NavItem("icp", _("Ideal customer profile"), "customers:icp"),
        ),
    ),
    NavGroup(
        "sop",
        _("SOP and training"),
        (
            NavItem("playbook", _("Playbook"), "playbook:index"),
            NavItem("fields", _("Custom fields"), "playbook:fields", ops_only=True),
            NavItem("questions", _("Question bank"), "deals:questions"),
            NavItem("enablement", _("Training"), "enablement:home"),
            NavItem("api", _("API"), "api:openapi-view"),
            NavItem("admin", _("Administration"), "admin:index", ops_only=True),
        ),
    ),
)

# The group a role works in most comes right after "My work" (the home page, each role's own).
ROLE_GROUP = {
    Role.LEGAL: "sales",
    Role.FINANCE: "sales",
    Role.PROJECT_MANAGER: "service",
    Role.TECH_SUPPORT: "service",
    Role.CUSTOMER_SUCCESS: "service",
    Role.TRAINER: "sop",
    Role.OPS: "sop",
}


def _groups_for(user) -> list[NavGroup]:
    groups = list(NAVIGATION)
    if user.roles & {Role.REP, Role.MANAGER, Role.DIRECTOR}:
        return groups  # selling comes first already
    first = next((ROLE_GROUP[role] for role in sorted(user.roles) if role in ROLE_GROUP), None)
    if first:
        groups.sort(key=lambda g: (g.key != "home", g.key != first))
    return groups


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    match = request.resolver_match
    view, area = (match.view_name, match.namespace or match.url_name) if match else ("", "")
    every = [item for group in NAVIGATION for item in group.items]
    exact = {item.url_name for item in every} & {view}
    entries = []
    for group in _groups_for(user):
        items = [
            {
                "key": item.key,
                "label": item.label,
                "url": reverse(item.url_name),
                "active": item.url_name == view or (not exact and item.key == area),
            }
            for item in group.items
            if not item.ops_only or user.can_administer
        ]
        entries.append(
            {
                "key": group.key,
                "label": group.label,
                "items": items,
                "active": any(i["active"] for i in items),
            }
        )
    return {"navigation": entries, "unread_count": unread_count(user)}
