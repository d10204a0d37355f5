"""Regional support projects (地域支援事業, 介護保険法 §115の45; DOMAIN.md 5): the basic checklist
(基本チェックリスト) entered for a person and the decision of who becomes a project participant
(事業対象者) of the city's 介護予防・生活支援サービス事業 (docs/subsystems/benefits-regional.md)."""
