from huey.contrib.djhuey import db_task

from salesop.customers.models import TrainingRun
from salesop.customers.profiling import train_all


@db_task()
def retrain(run_id: int) -> None:
    """The ICP page's rebuild button: the nightly job's work, now, with progress."""
    run = TrainingRun.objects.filter(pk=run_id, status="queued").first()
    if run is None:
        return
    try:
        train_all(run)
    except Exception:
        TrainingRun.objects.filter(pk=run_id).update(status="failed")
        raise
