"""Regional support's section of the 給付 tab (benefits/tab.py): the 事業対象者 status and the latest
basic checklist."""

from benefits.regional.selectors import regional_summary_for
from benefits.tab import BenefitSection, benefit_section_register

benefit_section_register(BenefitSection("regional", "総合事業（事業対象者・基本チェックリスト）",
                                        "benefits/regional/section.html", regional_summary_for, order=40))
