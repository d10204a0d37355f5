"""The high-cost refund's section of the 給付 tab (benefits/tab.py): the application received and the
refunds of the last twelve service months."""

from benefits.refunds.selectors import high_cost_summary_for
from benefits.tab import BenefitSection, benefit_section_register

benefit_section_register(BenefitSection("high_cost", "高額介護サービス費", "benefits/refunds/section.html",
                                        high_cost_summary_for, order=22))
