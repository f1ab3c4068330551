from django.urls import path

from salesop.activities import views

app_name = "activities"
urlpatterns = [
    path("<str:kind>/<int:record_id>/log/", views.activity_log, name="log"),
    path("<str:kind>/<int:record_id>/task/", views.task_create, name="task"),
    path("<str:kind>/<int:record_id>/timeline/", views.timeline, name="timeline"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task_done"),
]
