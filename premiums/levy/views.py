"""Screens of the levy: the counter's premium estimate (保険料の試算), from facts a resident tells
(by POST; nothing stored or logged)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from premiums.levy.forms import SimulatorForm
from premiums.levy.selectors import premium_estimate
from premiums.rules.tables import fiscal_year_of


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.view")
def simulator(request):
    """保険料の試算: the stage, the amount and how it is computed, from facts a resident tells at the
    counter (by POST: a person's income figures never go into a URL, a server log or the browser's
    history; nothing is stored or logged)."""
    form = SimulatorForm(request.POST if request.method == "POST" else None,
                         initial={"fiscal_year": fiscal_year_of(timezone.localdate())})
    result = form_run(form, premium_estimate) if form.is_bound else None
    return render(request, "premiums/simulator.html", {"form": form, "result": result},
                  status=400 if form.errors else 200)
