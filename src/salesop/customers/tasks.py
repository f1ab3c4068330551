from django.db import transaction
from huey.contrib.djhuey import db_task

from salesop.customers.models import TrainingRun
from salesop.customers.profiling import train_all, training_fail
from salesop.monitor.heartbeat import JobKind, job_kind


@db_task()
def retrain(run_id: int) -> None:
    """The ICP page's rebuild button: the nightly job's work, now, with progress. A run that
    raises is failed by its heartbeat (training_fail)."""
    run = TrainingRun.objects.filter(pk=run_id, status="queued").first()
    if run is not None:
        train_all(run)


def training_requeue(*, job: TrainingRun) -> None:
    """Training whose worker died starts over: it rebuilds from the rows, so twice is once."""
    if TrainingRun.objects.filter(pk=job.pk, status="running").update(
        status="queued", step="", processed=0
    ):
        transaction.on_commit(lambda: retrain(job.pk))


job_kind(
    JobKind(
        name="customers.training", model=TrainingRun, fail=training_fail, requeue=training_requeue
    )
)
