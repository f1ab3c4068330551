"""Training that follows the SOP (培训与赋能): courses of theory and practice modules tagged with
the SOP stage they teach, enrolments with a mentor, quiz and practice results, role-plays
scored on the SOP's steps, and stage certifications tied to the playbook version."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(_("SOP stage taught"), max_length=32, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ModuleKind(models.TextChoices):
    THEORY = "theory", _("Theory (reading and quiz)")
    PRACTICE = "practice", _("Practice (task checked by the mentor)")


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=ModuleKind.choices)
    title = models.CharField(_("title"), max_length=200)
    material = models.TextField(_("material or task"), max_length=20000, blank=True)
    pass_pct = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return self.title


class QuizQuestion(models.Model):
    """A question of a theory module's quiz: choices, and which of them are right (one or
    more; an answer scores when it picks exactly those)."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("question"), max_length=500)
    choices = models.JSONField(default=list)
    correct = models.JSONField(default=list)  # indexes into choices

    class Meta:
        ordering = ["module", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Enrollment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentees",
        verbose_name=_("mentor"),
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(_("due"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrollment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.course.code}"


class ResultStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the mentor")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Not passed yet")


class ModuleResult(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="results")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=ResultStatus.choices)
    score_pct = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    evidence = models.TextField(_("what was done"), max_length=5000, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(default=timezone.now)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("mentor's note"), max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "module"], name="moduleresult_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.module} {self.status}"


# The SOP steps a role-play is scored on, each out of its maximum (the playbook's discovery and
# objection handling: open questions, layered needs, a recap, acknowledge-then-answer).
RUBRIC = [
    ("open_questions", _("Open questions used"), 5),
    ("needs_layered", _("Surface and deep needs found"), 5),
    ("recap", _("Needs recapped and confirmed"), 5),
    ("objection_handling", _("Objection acknowledged, then answered"), 5),
    ("value", _("Value quantified for the role"), 5),
]


class RolePlayScenario(models.Model):
    """A simulated customer (模拟客户): persona, situation, and the objections and questions
    drawn from the library and the question bank."""

    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(_("SOP stage"), max_length=32)
    persona = models.TextField(_("customer persona"), max_length=2000)
    situation = models.TextField(_("situation"), max_length=2000, blank=True)
    objections = models.ManyToManyField("deals.ObjectionEntry", blank=True, related_name="+")
    questions = models.ManyToManyField("deals.Question", blank=True, related_name="+")

    class Meta:
        verbose_name = _("role-play scenario")
        verbose_name_plural = _("role-play scenarios")
        ordering = ["stage", "title"]

    def __str__(self) -> str:
        return self.title


class RolePlaySession(models.Model):
    scenario = models.ForeignKey(
        RolePlayScenario, on_delete=models.PROTECT, related_name="sessions"
    )
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roleplays"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(default=timezone.now)
    scores = models.JSONField(default=dict)  # rubric key -> points
    total_pct = models.DecimalField(max_digits=5, decimal_places=1)
    notes = models.TextField(_("evaluator's notes"), max_length=5000, blank=True)
    rep_share_pct = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    open_questions = models.PositiveIntegerField(null=True, blank=True)
    closed_questions = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("role-play")
        verbose_name_plural = _("role-plays")
        ordering = ["-held_at"]

    def __str__(self) -> str:
        return f"{self.scenario} {self.trainee} {self.total_pct}%"


class Certification(models.Model):
    """A rep certified for a stage under a playbook version; it lapses when a later version
    changes the stage materially (its checklist, exit criteria or what certifies it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications"
    )
    stage = models.CharField(_("stage"), max_length=32)
    playbook_version = models.ForeignKey(
        "playbook.PlaybookVersion", on_delete=models.PROTECT, related_name="+"
    )
    roleplay = models.ForeignKey(
        RolePlaySession, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    certified_at = models.DateTimeField(default=timezone.now)
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True)
    lapsed_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-certified_at"]
        indexes = [models.Index(fields=["user", "stage", "lapsed_at"], name="cert_valid")]

    def __str__(self) -> str:
        return f"{self.user} {self.stage}"


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Waiting for the manager")
    RETURNED = "returned", _("Returned for changes")
    PUBLISHED = "published", _("Published")


class Case(models.Model):
    """A won or lost deal written up for the case library (案例库): a snapshot of its timeline,
    stage durations and objections, with the decisive moments and lessons its rep wrote and a
    manager reviewed."""

    deal = models.OneToOneField("deals.Deal", on_delete=models.PROTECT, related_name="case")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=8)  # won or lost
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    products = models.CharField(_("products"), max_length=300, blank=True)
    timeline = models.JSONField(default=list)  # [{stage, entered, days}]
    objections = models.JSONField(default=list)  # [{category, words, answer, resolved}]
    decisive_moments = models.TextField(_("decisive moments"), max_length=5000, blank=True)
    lessons = models.TextField(_("lessons"), max_length=5000, blank=True)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def stages(self) -> list[str]:
        return [row["stage"] for row in self.timeline]

    @property
    def categories(self) -> list[str]:
        return sorted({row["category"] for row in self.objections})


class SessionKind(models.TextChoices):
    BRIEFING = "briefing", _("Industry briefing")
    WORKSHOP = "workshop", _("Negotiation workshop")
    REVIEW = "review", _("Won-deal review")


class TrainingSession(models.Model):
    """Ongoing enablement: an industry briefing, a negotiation workshop or a won-deal review,
    with who attended."""

    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_at = models.DateTimeField(_("held"))
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="training_sessions"
    )

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_at"]

    def __str__(self) -> str:
        return self.title
