from django.urls import path

from salesop.enablement import views

app_name = "enablement"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:enrollment_id>/modules/<int:module_id>/", views.module, name="module"),
    path("results/<int:result_id>/sign-off/", views.sign_off, name="sign_off"),
    path("roleplays/new/", views.roleplay_new, name="roleplay_new"),
]
