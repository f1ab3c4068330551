from django.urls import path

from salesop.contracts import views

app_name = "contracts"
urlpatterns = [
    path("<int:contract_id>/", views.detail, name="detail"),
    path("templates/<int:template_id>/", views.template_detail, name="template"),
]
