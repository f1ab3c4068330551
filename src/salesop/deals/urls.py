from django.urls import path

from salesop.deals import views

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
]
