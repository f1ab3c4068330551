from django.contrib import admin

from salesop.enablement.models import Course, Module, QuizQuestion, RolePlayScenario


class ModuleInline(admin.StackedInline):
    model = Module
    extra = 0
    fields = ["position", "kind", "title", "material", "pass_pct"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """Courses for the new-hire programme and stage certification (codes as the playbook's
    `enablement` section names them)."""

    list_display = ["code", "title", "stage", "active"]
    list_filter = ["stage", "active"]
    search_fields = ["code", "title"]
    inlines = [ModuleInline]


class QuestionInline(admin.TabularInline):
    model = QuizQuestion
    extra = 1
    fields = ["position", "text", "choices", "correct"]


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    """A module's quiz: choices as a JSON list of texts, the right ones as their indexes."""

    list_display = ["title", "course", "kind", "pass_pct"]
    list_filter = ["kind", "course"]
    inlines = [QuestionInline]


@admin.register(RolePlayScenario)
class RolePlayScenarioAdmin(admin.ModelAdmin):
    list_display = ["title", "stage"]
    list_filter = ["stage"]
    filter_horizontal = ["objections", "questions"]
