from django.urls import path

from salesop.pricing import views

app_name = "pricing"
urlpatterns = [
    path("", views.approval_queue, name="approvals"),
    path("<int:approval_id>/decide/", views.approval_decide, name="decide"),
    path("quote/<int:quote_id>/approvals/", views.quote_approvals, name="quote_approvals"),
    path("deal/<int:deal_id>/quote/", views.quote_add, name="quote_add"),
    path("quote/<int:quote_id>/revise/", views.quote_revise, name="quote_revise"),
    path("quote/<int:quote_id>/send/", views.quote_send, name="quote_send"),
    path("products/price/", views.product_price, name="product_price"),
]
