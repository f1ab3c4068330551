from django.urls import path

from salesop.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("channels/", views.channels, name="channels"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/<str:measure>/", views.compliance_records, name="compliance_records"),
    path("review/", views.review_page, name="review"),
    path("review/draft/", views.review_draft, name="review_draft"),
    path("losses/", views.losses, name="losses"),
    path("products/", views.products, name="products"),
    path("grading/", views.grading, name="grading"),
    path("grading/apply/", views.grading_apply, name="grading_apply"),
]
