"""Benefit restrictions' section of the 給付 tab (benefits/tab.py): measures in force or noticed, and
those the arrears call for."""

from benefits.restrictions.selectors import restrictions_summary_for
from benefits.tab import BenefitSection, benefit_section_register

benefit_section_register(BenefitSection("restrictions", "給付制限（保険料の滞納）", "benefits/restrictions/section.html",
                                        restrictions_summary_for, order=30))
