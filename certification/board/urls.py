"""URLs of certification's board (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

from django.urls import path

from certification.board import views

urlpatterns: list = [
    path("board/", views.board_sessions, name="board_sessions"),
    path("board/sessions/<int:session_id>/", views.board_session, name="board_session"),
    path("board/sessions/<int:session_id>/materials/<slug:version>.pdf", views.board_materials,
         name="board_materials"),
]
