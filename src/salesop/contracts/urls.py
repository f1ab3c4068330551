from django.urls import path

from salesop.contracts import review_views, template_views, views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("review/", review_views.review_queue, name="review_queue"),
    path("templates/", template_views.template_list, name="templates"),
    path("templates/<int:template_id>/", template_views.template_detail, name="template"),
    path("templates/<int:template_id>/docx/", template_views.template_docx, name="template_docx"),
    path("deal/<int:deal_id>/new/", views.contract_add, name="add"),
    path("<int:contract_id>/", views.contract_detail, name="detail"),
    path("<int:contract_id>/clauses/", views.clauses_edit, name="clauses"),
    path("<int:contract_id>/submit/", review_views.contract_submit, name="submit"),
    path("<int:contract_id>/review/", review_views.review_decide, name="review"),
    path("<int:contract_id>/schedule/", views.contract_schedule, name="schedule"),
    path("<int:contract_id>/documents/", views.document_tick, name="document"),
    path("<int:contract_id>/send/", views.contract_send, name="send"),
    path("<int:contract_id>/sign/", views.contract_sign, name="sign"),
    path("<int:contract_id>/archive/", views.contract_archive, name="archive"),
    path("<int:contract_id>/cancel/", views.contract_cancel, name="cancel"),
    path("<int:contract_id>/incentives/", views.incentive_offer, name="incentive"),
    path("<int:contract_id>/docx/", views.contract_docx, name="docx"),
    path("<int:contract_id>/pdf/", views.contract_pdf, name="pdf"),
    path("<int:contract_id>/files/<int:file_id>/", views.contract_file, name="file"),
    path("<int:contract_id>/verify/", views.contract_verify, name="verify"),
]
