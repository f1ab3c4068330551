"""Demo data: teams, one user per role, Chinese and English companies, and every app's records
(each app's `demo` module holds its part; this one runs them in order). Loading twice changes
nothing: every record is found by its natural key before it is created."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from salesop.accounts import demo as accounts
from salesop.aftersales import demo as aftersales
from salesop.contracts import demo as contracts
from salesop.customers import demo as customers
from salesop.deals import demo as deals
from salesop.deals.proposals import demo as proposals
from salesop.enablement import demo as enablement
from salesop.insights import demo as insights
from salesop.leads import demo as leads
from salesop.monitor import demo as monitor
from salesop.playbook import demo as playbook
from salesop.pricing import demo as pricing


@dataclass
class DemoResult:
    password: str
    logins: list[tuple[str, str]]


def _password() -> str:
    path = settings.DATA_DIR / "demo-password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    password = "demo-" + secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password, encoding="utf-8")
    path.chmod(0o600)
    return password


@transaction.atomic
def load_demo() -> DemoResult:
    password = _password()
    users = accounts.load_people(password)
    now = timezone.now()
    customers.load_accounts(users, now)
    pricing.load_products_and_policies()  # the history sells the catalogue's products
    leads.load_history(users, now)
    deals.load_question_bank(users["ops"])
    contracts.load_contract_templates(users)
    deals.load_deals(users, now)
    leads.load_leads(users, now)
    playbook.load_draft_playbook(users["ops"])
    playbook.load_custom_fields(users)
    proposals.load_proposals_and_objections(users)
    aftersales.load_aftersales(users, now)
    monitor.load_supervision(users)
    insights.load_insights(users, now)
    enablement.load_enablement(users, now)
    logins = [("admin", "superuser")] + [(u[0], u[5]) for u in accounts.USERS]
    return DemoResult(password=password, logins=logins)
