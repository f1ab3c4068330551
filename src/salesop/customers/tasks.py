from huey.contrib.djhuey import db_task

from salesop.customers.profiling import train_all


@db_task()
def retrain() -> None:
    """The ICP page's rebuild button: the same work as the nightly job, now."""
    train_all()
