"""Facility cost limits' section of the 給付 tab (benefits/tab.py): the 負担限度額認定 in force and the
applications waiting for a decision."""

from benefits.limits.selectors import limits_summary_for
from benefits.tab import BenefitSection, benefit_section_register

benefit_section_register(BenefitSection("limits", "負担限度額認定（食費・居住費）", "benefits/limits/section.html",
                                        limits_summary_for, order=25))
