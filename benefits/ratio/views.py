"""The ratio's screens: the certificate's reprint (再発行) from the 給付 tab."""

from __future__ import annotations

from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from benefits.ratio import selectors
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import pdf_response


@never_cache
@require_GET
@permission_required("benefit.view")
def certificate_reprint(request, resident_id: int):
    pdf = selectors.certificate_reprint(actor=request.user, request=request, resident_id=resident_id,
                                        today=timezone.localdate())
    return pdf_response(pdf, f"futan-wariai-{resident_id}.pdf")
