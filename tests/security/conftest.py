import pytest
from django.db import transaction

from salesop.accounts.models import User
from salesop.accounts.services import api_token_create
from salesop.demo import load_demo


@pytest.fixture(scope="package")
def demo_company(django_db_setup, django_db_blocker):
    """The demo company, loaded once for these tests (loading it takes most of their time):
    inside a transaction rolled back when they are done, each test in a savepoint of it, so
    what one test writes the next never sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        api_token_create(user=User.objects.get(username="rep"), name="someone else's")
        yield
        transaction.set_rollback(True)
