from django.urls import path

from salesop.monitor import views

app_name = "monitor"
urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:endpoint_id>/", views.webhook_detail, name="webhook"),
    path("webhooks/<int:endpoint_id>/test/", views.webhook_test, name="webhook_test"),
]
