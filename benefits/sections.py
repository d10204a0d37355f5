"""Benefits on a person's page (kaigo.shell.sections): the 給付 tab, after the 認定 tab. What it shows
is the sections the benefit packages register (benefits/tab.py)."""

from kaigo.shell.sections import PersonTab, person_tab_register

person_tab_register(PersonTab("benefits", "給付", "benefits:person_tab", "benefit.view", order=60, accesskey="6"))
