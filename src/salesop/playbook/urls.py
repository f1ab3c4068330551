from django.urls import path

from salesop.playbook import custom_views, field_views, views

app_name = "playbook"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.version_new, name="new"),
    path("diff/", views.version_diff, name="diff"),
    path("<int:version_id>/", views.version_detail, name="version"),
    path("<int:version_id>/activate/", views.version_activate, name="activate"),
    path("fields/", field_views.field_list, name="fields"),
    path("fields/<int:field_id>/", field_views.field_edit, name="field_edit"),
    path("fields/<int:field_id>/delete/", field_views.field_delete, name="field_delete"),
    path("fields/<int:field_id>/restore/", field_views.field_restore, name="field_restore"),
    path("values/<str:label>/<int:pk>/", custom_views.custom_edit, name="custom_edit"),
    path("fields/<int:field_id>/purge/", field_views.field_purge, name="field_purge"),
]
