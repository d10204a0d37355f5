"""What audit's templates call besides their context (found by kaigo.jinja2.environment): the
Japanese names of the access log's codes (audit.codes)."""

from __future__ import annotations

from audit.codes import criteria_label, function_label

FILTERS = {
    "function_label": function_label,
    "criteria_label": criteria_label,
}
