"""Benefit records' section of the 給付 tab (benefits/tab.py): the totals of the last months."""

from benefits.records.selectors import records_summary_for
from benefits.tab import BenefitSection, benefit_section_register

benefit_section_register(BenefitSection("records", "給付実績（直近12か月）", "benefits/records/_summary.html",
                                        records_summary_for, order=20))
