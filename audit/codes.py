"""The Japanese names of the codes the access log and the change trail store: the function of a
record (``person.view``) and the kinds of search criteria (``kana_surname,birth_date``). The codes
stay stable in the database (they are sealed in the hash chain); the screens show these names
instead (issue 16: no internal codes on a screen)."""

from __future__ import annotations

# function code -> what the staff member did
FUNCTION_LABELS = {
    "person.search": "宛名検索",
    "person.view": "宛名の閲覧",
    "person.create": "宛名の登録",
    "person.update": "宛名の更新",
    "my_number.view": "個人番号の閲覧",
    "qualification.view": "資格の閲覧",
    "qualification.notify": "資格の届出",
    "qualification.update": "資格の更新",
    "qualification.move": "異動の手入力",
    "card.view": "証の交付の閲覧",
    "card.issue": "証の交付",
    "card.print": "証の印刷",
    "card.batch_print": "証の一括印刷",
    "workqueue.list": "要確認案件の一覧",
    "workqueue.view": "要確認案件の閲覧",
    "intake.view": "住基異動の取込結果の閲覧",
    "premium.view": "保険料の閲覧",
    "premium.summary": "保険料の概要の閲覧",
    "premium.arrears": "滞納者一覧",
    "premium.collect": "収納の登録",
    "premium.settle": "還付・充当の決定",
    "premium.payment.held": "保留中の収納の閲覧",
    "premium.decision.confirm": "決定内容の確認",
    "premium.notice.print": "保険料の通知書の印刷",
    "premium.notice.preview": "保険料の通知書の見本",
    "premium.reduction.decide": "減免の決定",
    "premium.reduction.confirm": "減免の決定内容の確認",
    "premium.late_charge.exemption": "延滞金の減免",
    "premium.table.draft": "保険料率表の作成",
    "premium.table.update": "保険料率表の変更",
    "premium.table.approve": "保険料率表の承認",
    "premium.table.close": "保険料率表の終了",
    "premium.table.set.stage": "保険料段階の設定",
    "premium.table.update.stage": "保険料段階の変更",
    "premium.table.remove.stage": "保険料段階の削除",
    "premium.plan.draft": "徴収計画の作成",
    "premium.plan.update": "徴収計画の変更",
    "premium.plan.approve": "徴収計画の承認",
    "premium.plan.close": "徴収計画の終了",
    "certification.dashboard": "認定の締切管理",
    "certification.board.view": "審査会の案件の閲覧",
    "certification.board.print": "審査会資料の印刷",
    "certification.opinion.view": "主治医意見書の閲覧",
    "certification.opinion.late": "主治医意見書の督促一覧",
    "certification.assessment.view": "一次判定の閲覧",
    "certification.assessment.exchange": "一次判定を待つ案件の一覧",
    "certification.assessment.export": "一次判定ソフトへの出力",
    "certification.survey.view": "認定調査の閲覧",
    "certification.decision": "認定の決定画面の閲覧",
    "certification.history": "認定の履歴の閲覧",
    "certification.renewal_due": "更新対象者の一覧",
    "benefit.tab": "給付タブの閲覧",
    "benefit.ratio.certificate.print": "負担割合証の印刷",
    "benefit.ratio.certificate.reprint": "負担割合証の再印刷",
    "certification.notice.print": "認定の通知書の印刷",
    "certification.cases": "認定申請の一覧",
    "certification.case": "認定申請案件の閲覧",
    "certification.case.confirm": "認定申請の取下げ・却下の確認",
    "certification.intake": "認定申請の受付",
    "certification.tab": "認定の閲覧",
    "benefit.regional.person": "総合事業（基本チェックリスト・事業対象者）の閲覧",
    "benefit.regional.entry": "基本チェックリストの入力画面",
    "benefit.regional.summary": "総合事業の概要の閲覧",
    "benefit.restrictions": "給付制限の閲覧",
    "benefit.restrictions.candidates": "給付制限の対象者一覧",
    "benefit.restrictions.notice.print": "給付制限の通知書の印刷",
    "benefit.records": "給付実績の閲覧",
    "benefit.records.summary": "給付実績の概要の閲覧",
    "benefit.limits.person": "負担限度額認定の閲覧",
    "benefit.limits.summary": "負担限度額認定の概要の閲覧",
    "benefit.high_cost.summary": "高額介護サービス費の閲覧",
    "benefit.limits.entry": "負担限度額認定の申請の受付画面",
    "benefit.limits.certificate": "負担限度額認定証の印刷",
    "audit.search": "アクセス記録の検索",
    "audit.trail": "変更履歴の閲覧",
    "city.generate": "合成データの生成",
    "crypto.rotate": "暗号鍵の更新",
    "crypto.rewrap": "暗号鍵の掛け替え",
    "crypto.verify": "暗号鍵の検証",
}
# flags a function code may end with (eligibility.residents.selectors.log_function), in this order
FUNCTION_FLAGS = {
    "sensitive": "支援措置対象者",
    "outside_ward": "他区",
    "denied": "拒否",
}
# kind of search criteria -> its name
CRITERIA_LABELS = {
    "insured_number": "被保険者番号",
    "my_number": "個人番号",
    "kana_name": "カナ氏名",
    "kana_surname": "カナ姓",
    "birth_date": "生年月日",
    "username": "職員",
    "person_id": "対象者",
    "function": "機能",
    "period": "期間",
    "ward": "区",
}


def function_label(code: str) -> str:
    """The Japanese name of a function code: 「宛名の閲覧（支援措置対象者・他区）」; a batch kind's
    code (a batch run writes under its kind's name) by the kind's label. A code without a name is
    returned as it is, so that the screen test (tests/kaigo/test_screen_rules.py) names it."""
    from kaigo.batches.registry import (
        label_of,  # a batch kind's label (the registry fills at start)
    )

    flags = []
    base = code
    while True:
        head, _, last = base.rpartition(".")
        if head and last in FUNCTION_FLAGS and (head in FUNCTION_LABELS or "." in head):
            flags.insert(0, FUNCTION_FLAGS[last])
            base = head
            continue
        break
    label = FUNCTION_LABELS.get(base) or (label_of(base) if label_of(base) != base else None)
    if label is None:
        return code
    return label + (f"（{'・'.join(flags)}）" if flags else "")


def criteria_label(kinds: str) -> str:
    """``kana_surname,birth_date`` -> 「カナ姓・生年月日」 (an unknown kind as it is)."""
    return "・".join(CRITERIA_LABELS.get(kind, kind) for kind in kinds.split(",") if kind)


def function_choices() -> list[tuple[str, str]]:
    """The functions the access log search offers: (code, Japanese name), 「すべて」 first."""
    return [("", "すべて")] + sorted(FUNCTION_LABELS.items(), key=lambda item: item[0])
