import pytest

from salesop.core.testing import Receiver


@pytest.fixture
def receiver():
    made = []

    def make(status=200, delay=0.0, **where):
        made.append(Receiver(status=status, delay=delay, **where))
        return made[-1]

    yield make
    for r in made:
        r.close()
