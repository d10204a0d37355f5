"""The ratio's section of the 給付 tab: the history of the co-payment ratio with its reasons."""

from benefits.ratio.selectors import ratio_history_rows
from benefits.tab import BenefitSection, benefit_section_register


def _read(*, actor, request, resident, today):
    return ratio_history_rows(resident.pk, today)


benefit_section_register(BenefitSection("ratio", "利用者負担の割合（負担割合証）", "benefits/ratio/section.html",
                                        _read, order=10))
