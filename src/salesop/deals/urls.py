from django.urls import path

from salesop.deals import views
from salesop.deals.discovery import views as dv
from salesop.deals.proposals import views as proposal_views

app_name = "deals"
urlpatterns = [
    path("", views.deal_list, name="list"),
    path("board/", views.deal_board, name="board"),
    path("new/", views.deal_create, name="create"),
    path("<int:deal_id>/", views.deal_detail, name="detail"),
    path("<int:deal_id>/edit/", views.deal_edit, name="edit"),
    path("<int:deal_id>/checklist/", views.deal_tick, name="tick"),
    path("<int:deal_id>/move/", views.deal_move, name="move"),
    path("<int:deal_id>/lost/", views.deal_lost, name="lost"),
    path("<int:deal_id>/reopen/", views.deal_reopen, name="reopen"),
    path("<int:deal_id>/stakeholders/", views.stakeholder_add, name="stakeholder_add"),
    path(
        "<int:deal_id>/stakeholders/<int:stakeholder_id>/engaged/",
        dv.stakeholder_engaged,
        name="stakeholder_engaged",
    ),
    path(
        "<int:deal_id>/stakeholders/<int:stakeholder_id>/remove/",
        dv.stakeholder_remove,
        name="stakeholder_remove",
    ),
    path("<int:deal_id>/discovery/", dv.discovery_page, name="discovery"),
    path("<int:deal_id>/discovery/prep/", dv.prep_save, name="prep_save"),
    path("<int:deal_id>/discovery/plan/", dv.call_plan_add, name="call_plan_add"),
    path(
        "<int:deal_id>/discovery/plan/<int:item_id>/remove/",
        dv.call_plan_remove,
        name="call_plan_remove",
    ),
    path("<int:deal_id>/discovery/needs/", dv.need_add, name="need_add"),
    path("<int:deal_id>/discovery/needs/<int:need_id>/remove/", dv.need_remove, name="need_remove"),
    path("<int:deal_id>/discovery/keywords/", dv.keyword_add, name="keyword_add"),
    path("<int:deal_id>/discovery/keywords/extract/", dv.keywords_extract, name="keywords_extract"),
    path(
        "<int:deal_id>/discovery/keywords/<int:tag_id>/",
        dv.keyword_confirm,
        name="keyword_confirm",
    ),
    path("<int:deal_id>/discovery/recap/generate/", dv.recap_generate, name="recap_generate"),
    path("<int:deal_id>/discovery/recap/", dv.recap_save, name="recap_save"),
    path("<int:deal_id>/discovery/recap/send/", dv.recap_send, name="recap_send"),
    path("<int:deal_id>/discovery/recap/confirm/", dv.recap_confirm, name="recap_confirm"),
    path("<int:deal_id>/discovery/transcripts/", dv.transcript_upload, name="transcript_upload"),
    path("questions/", dv.question_bank, name="questions"),
    path("questions/<int:question_id>/toggle/", dv.question_toggle, name="question_toggle"),
]

# Proposals and objections (issue #6 parts 3 and 4)
urlpatterns += [
    path("<int:deal_id>/proposals/", proposal_views.proposal_list, name="proposals"),
    path("<int:deal_id>/proposals/new/", proposal_views.proposal_create, name="proposal_create"),
    path(
        "<int:deal_id>/proposals/<int:proposal_id>/",
        proposal_views.proposal_detail,
        name="proposal",
    ),
    path(
        "<int:deal_id>/proposals/<int:proposal_id>/edit/",
        proposal_views.proposal_update,
        name="proposal_update",
    ),
    path(
        "<int:deal_id>/proposals/<int:proposal_id>/rows/",
        proposal_views.proposal_row_add,
        name="proposal_row_add",
    ),
    path(
        "<int:deal_id>/proposals/<int:proposal_id>/rows/<int:row_id>/delete/",
        proposal_views.proposal_row_delete,
        name="proposal_row_delete",
    ),
    path(
        "<int:deal_id>/proposals/<int:proposal_id>/roi/",
        proposal_views.proposal_roi,
        name="proposal_roi",
    ),
    path(
        "<int:deal_id>/proposals/<int:proposal_id>/present/",
        proposal_views.proposal_present,
        name="proposal_present",
    ),
    path(
        "<int:deal_id>/proposals/<int:proposal_id>/versions/",
        proposal_views.proposal_new_version,
        name="proposal_new_version",
    ),
    path(
        "<int:deal_id>/proposals/<int:proposal_id>/print/",
        proposal_views.proposal_print,
        name="proposal_print",
    ),
    path(
        "<int:deal_id>/proposals/<int:proposal_id>/docx/",
        proposal_views.proposal_docx,
        name="proposal_docx",
    ),
    path("<int:deal_id>/objections/", proposal_views.objection_add, name="objection_add"),
    path(
        "<int:deal_id>/objections/<int:objection_id>/resolve/",
        proposal_views.objection_resolve,
        name="objection_resolve",
    ),
    path("objections/", proposal_views.objection_library_page, name="objection_library"),
    path("proposal-templates/", proposal_views.proposal_templates, name="proposal_templates"),
    path(
        "proposal-templates/current.docx",
        proposal_views.proposal_template_download,
        name="proposal_template_download",
    ),
]
