"""URLs of certification, all under /certification/ (namespace ``certification``): each sub-domain
package keeps its own ``urls.py`` and they are joined here."""

from certification.assessment import urls as assessment
from certification.board import urls as board
from certification.cases import urls as cases
from certification.dashboard import urls as dashboard
from certification.decisions import urls as decisions
from certification.opinion import urls as opinion
from certification.survey import urls as survey

app_name = "certification"

urlpatterns = [*cases.urlpatterns, *survey.urlpatterns, *opinion.urlpatterns, *assessment.urlpatterns,
               *board.urlpatterns, *decisions.urlpatterns, *dashboard.urlpatterns]
