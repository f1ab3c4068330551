from django.urls import path

from salesop.aftersales import views

app_name = "aftersales"
urlpatterns = [
    path("", views.project_list, name="projects"),
    path("<int:project_id>/", views.project_detail, name="project"),
    path("<int:project_id>/team/", views.member_set, name="member_set"),
    path("<int:project_id>/status/", views.project_update, name="project_update"),
    path(
        "<int:project_id>/milestones/<int:milestone_id>/done/",
        views.milestone_done,
        name="milestone_done",
    ),
    path("<int:project_id>/update/", views.update_draft, name="update_draft"),
    path("<int:project_id>/update/<int:update_id>/send/", views.update_send, name="update_send"),
    path("<int:project_id>/tickets/new/", views.ticket_add, name="ticket_add"),
    path("<int:project_id>/portal-link/", views.portal_link, name="portal_link"),
    path("tickets/", views.ticket_queue, name="tickets"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/act/", views.ticket_action, name="ticket_action"),
    path("surveys/send/", views.survey_send, name="survey_send"),
    path("revisits/", views.revisit_list, name="revisits"),
    path("revisits/calendar-link/", views.calendar_link, name="calendar_link"),
    path("revisits/<int:revisit_id>/", views.revisit_detail, name="revisit"),
    path("revisits/<int:revisit_id>/follow-up/", views.revisit_follow_up, name="revisit_follow_up"),
    path("accounts/<int:account_id>/stage/", views.stage_set, name="stage_set"),
    path("accounts/<int:account_id>/churn/", views.churn_record, name="churn"),
    path(
        "accounts/<int:account_id>/recommendation/",
        views.recommendation_accept,
        name="recommendation_accept",
    ),
]

portal_patterns = [
    path("survey/<str:token>/", views.survey_page, name="survey"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
    path("<str:token>/", views.portal, name="home"),
    path("<str:token>/tickets/<str:number>/", views.portal_ticket, name="ticket"),
]
