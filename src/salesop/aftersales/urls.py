from django.urls import path

from salesop.aftersales import views

app_name = "aftersales"
urlpatterns = [
    path("", views.project_list, name="projects"),
    path("<int:project_id>/", views.project_detail, name="project"),
    path("<int:project_id>/team/", views.member_set, name="member_set"),
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
]

portal_patterns = [
    path("survey/<str:token>/", views.survey_page, name="survey"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
    path("<str:token>/", views.portal, name="home"),
    path("<str:token>/tickets/<str:number>/", views.portal_ticket, name="ticket"),
]
