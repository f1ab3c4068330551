from django.urls import path

from salesop.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("new/", views.lead_create, name="create"),
    path("channels/", views.channel_list, name="channels"),
    path("import/", views.import_new, name="import_new"),
    path("import/<int:job_id>/", views.import_detail, name="import"),
    path("import/<int:job_id>/errors.csv", views.import_errors, name="import_errors"),
    path("import/<int:job_id>/resume/", views.import_resume, name="import_resume"),
    path("export.<str:fmt>", views.lead_export, name="export"),
    path("exports/<int:job_id>/", views.export_job, name="export_job"),
    path("exports/<int:job_id>/download/", views.export_download, name="export_download"),
    path("channels/<int:channel_id>/", views.channel_detail, name="channel"),
    path("<int:lead_id>/", views.lead_detail, name="detail"),
    path("<int:lead_id>/edit/", views.lead_edit, name="edit"),
    path("<int:lead_id>/qualify/", views.lead_qualify, name="qualify"),
    path("<int:lead_id>/disqualify/", views.lead_disqualify, name="disqualify"),
    path("<int:lead_id>/convert/", views.lead_convert, name="convert"),
    path("<int:lead_id>/assign/", views.lead_assign, name="assign"),
]
