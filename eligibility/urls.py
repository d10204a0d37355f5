from django.urls import path

from eligibility.cards import views as cards
from eligibility.intake import views as intake
from eligibility.qualification import views as qualification
from eligibility.residents import views as residents

app_name = "eligibility"
urlpatterns = [
    path("", residents.resident_search, name="search"),
    path("<int:resident_id>/", residents.resident_overview, name="overview"),
    # a person's qualification (資格) tabs
    path("<int:resident_id>/qualification/", qualification.qualification_tab, name="qualification"),
    path("<int:resident_id>/qualification/notify/", qualification.notify, name="notify"),
    path("<int:resident_id>/qualification/moves/", intake.moves, name="moves"),
    path("<int:resident_id>/qualification/moves/<int:move_id>/cancel/", intake.move_cancel, name="move-cancel"),
    path("<int:resident_id>/qualification/cards/", cards.cards, name="cards"),
    path("<int:resident_id>/qualification/cards/<int:issue_id>.pdf", cards.card_pdf, name="card-pdf"),
]

# The office's eligibility screens, not about one person (mounted at /eligibility/ in kaigo/urls.py
# under the namespace "eligibility_office").
office_urlpatterns = [
    path("queue/", intake.queue, name="queue"),
    path("queue/<int:item_id>/", intake.queue_item, name="queue-item"),
    path("cards/run/<int:run_id>.pdf", cards.run_cards_pdf, name="run-cards-pdf"),
    path("intake/", intake.intake_files, name="intake"),
    path("intake/<int:file_id>/", intake.intake_file, name="intake-file"),
    # the facility master (施設マスタ)
    path("facilities/", qualification.facility_list, name="facilities"),
    path("facilities/new/", qualification.facility_new, name="facility-new"),
    path("facilities/<slug:code>/", qualification.facility_detail, name="facility"),
    path("facilities/<slug:code>/edit/", qualification.facility_edit, name="facility-edit"),
    path("facilities/<slug:code>/close/", qualification.facility_close_view, name="facility-close"),
]
