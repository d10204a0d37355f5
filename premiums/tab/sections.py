"""Premiums on a person's page (kaigo.shell.sections): the premium tab, and this year's premium on
the overview (its own template and selector, which checks scope and writes its access-log row)."""

from kaigo.shell.sections import OverviewSection, PersonTab, overview_section_register, person_tab_register
from premiums.tab.selectors import premium_summary

person_tab_register(PersonTab("premiums", "保険料", "premiums:tab", "premium.view", order=40, accesskey="4"))
overview_section_register(OverviewSection("premiums", "保険料（今年度）", "premiums/_overview.html", "premium.view",
                                          order=20, read=premium_summary))
