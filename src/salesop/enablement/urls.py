from django.urls import path

from salesop.enablement import views

app_name = "enablement"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:enrollment_id>/modules/<int:module_id>/", views.module, name="module"),
    path("results/<int:result_id>/sign-off/", views.sign_off, name="sign_off"),
    path("roleplays/new/", views.roleplay_new, name="roleplay_new"),
    path("cases/", views.cases, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("ramp/", views.ramp_page, name="ramp"),
    path("sessions/", views.sessions, name="sessions"),
]
