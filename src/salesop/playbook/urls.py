from django.urls import path

from salesop.playbook import views

app_name = "playbook"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.version_new, name="new"),
    path("diff/", views.version_diff, name="diff"),
    path("<int:version_id>/", views.version_detail, name="version"),
    path("<int:version_id>/activate/", views.version_activate, name="activate"),
]
