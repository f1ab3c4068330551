from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from salesop.accounts.models import Role
from salesop.activities.selectors import my_work
from salesop.customers.selectors import accounts_visible_to


@login_required
def home(request):
    labels = dict(Role.choices)
    return render(
        request,
        "web/home.html",
        {
            "roles": [labels[role] for role in sorted(request.user.roles)],
            "recent_accounts": accounts_visible_to(request.user).order_by("-created_at", "-id")[:8],
            "work": my_work(request.user),
        },
    )
