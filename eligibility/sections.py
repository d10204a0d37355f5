"""Eligibility's tabs of a person (kaigo.shell.sections): the overview, qualification, the
notification form (staff who may record one) and card issues. The overview itself shows
eligibility's facts directly (eligibility.residents.selectors.resident_overview)."""

from kaigo.shell.sections import PersonTab, person_tab_register

person_tab_register(PersonTab("overview", "概要", "eligibility:overview", "person.view", order=0, accesskey="0"))
person_tab_register(PersonTab("qualification", "資格・履歴", "eligibility:qualification", "person.view", order=10,
                              accesskey="1"))
person_tab_register(PersonTab("notify", "届出の登録", "eligibility:notify", "qualification.update", order=20,
                              accesskey="2"))
person_tab_register(PersonTab("cards", "証の交付", "eligibility:cards", "person.view", order=30, accesskey="3"))
