"""Certification on a person's page (kaigo.shell.sections): the 認定 tab (the certification in
force, the history of certifications and the cases), after the premium tab."""

from kaigo.shell.sections import PersonTab, person_tab_register

person_tab_register(PersonTab("certification", "認定", "certification:person_tab", "certification.view", order=50,
                              accesskey="5"))
