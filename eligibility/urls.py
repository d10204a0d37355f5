from django.urls import path

from eligibility import qualification_views, views

app_name = "eligibility"
urlpatterns = [
    path("", views.resident_search, name="search"),
    path("<int:resident_id>/", views.resident_overview, name="overview"),
    # a person's qualification (資格) tabs
    path("<int:resident_id>/qualification/", qualification_views.qualification_tab, name="qualification"),
    path("<int:resident_id>/qualification/notify/", qualification_views.notify, name="notify"),
    path("<int:resident_id>/qualification/cards/", qualification_views.cards, name="cards"),
    path("<int:resident_id>/qualification/cards/<int:issue_id>.pdf", qualification_views.card_pdf, name="card-pdf"),
]

# The office's eligibility screens, not about one person (mounted at /eligibility/ in kaigo/urls.py
# under the namespace "eligibility_office").
office_urlpatterns = [
    path("queue/", qualification_views.queue, name="queue"),
    path("queue/<int:item_id>/", qualification_views.queue_item, name="queue-item"),
    path("cards/run/<int:run_id>.pdf", qualification_views.run_cards_pdf, name="run-cards-pdf"),
    path("intake/", qualification_views.intake_files, name="intake"),
    path("intake/<int:file_id>/", qualification_views.intake_file, name="intake-file"),
]
