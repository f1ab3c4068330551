from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from salesop.accounts import views as accounts_views
from salesop.aftersales import urls as aftersales_urls
from salesop.api import api
from salesop.deals.discovery import views as discovery_views
from salesop.monitor import views as monitor_views
from salesop.web import views as web_views

handler400 = "salesop.core.api.request_refused"

urlpatterns = [
    path("", web_views.home, name="home"),
    path("history/<str:label>/<int:pk>/", web_views.history, name="history"),
    path("search/", web_views.search, name="search"),
    path("health/", monitor_views.health, name="health"),
    path("login/", accounts_views.LoginView.as_view(), name="login"),
    path("login/code/", accounts_views.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", accounts_views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", accounts_views.profile, name="profile"),
    path("profile/two-factor/", accounts_views.two_factor, name="two_factor"),
    path("profile/tokens/", accounts_views.tokens, name="tokens"),
    path("profile/tokens/<int:token_id>/revoke/", accounts_views.token_revoke, name="token_revoke"),
    path("language/", accounts_views.language_switch, name="language_switch"),
    path("customers/", include("salesop.customers.urls")),
    path("leads/", include("salesop.leads.urls")),
    path("deals/", include("salesop.deals.urls")),
    path("playbook/", include("salesop.playbook.urls")),
    path("activities/", include("salesop.activities.urls")),
    path("alerts/", include("salesop.monitor.urls")),
    path("approvals/", include("salesop.pricing.urls")),
    path("contracts/", include("salesop.contracts.urls")),
    path("delivery/", include("salesop.aftersales.urls")),
    path("insights/", include("salesop.insights.urls")),
    path("enablement/", include("salesop.enablement.urls")),
    path("support/recap/<str:token>/", discovery_views.customer_recap, name="customer_recap"),
    path(
        "support/",
        include((aftersales_urls.portal_patterns, "portal"), namespace="portal"),
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
