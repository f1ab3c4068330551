from django.urls import path

from salesop.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("export.csv", views.account_export, name="export"),
    path("icp/", views.icp_page, name="icp"),
    path("<int:account_id>/", views.account_detail, name="detail"),
    path("<int:account_id>/edit/", views.account_edit, name="edit"),
    path("<int:account_id>/merge/", views.account_merge, name="merge"),
    path("<int:account_id>/contacts/", views.contact_add, name="contact_add"),
]
