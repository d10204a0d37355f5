"""The navigation: each entry names its screen and the permission that shows it.

Domain apps add their entries here as their screens arrive; an entry appears only for staff
holding its permission (None: every signed-in staff member).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import get_script_prefix, reverse

from kaigo.staff.roles import has_permission


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    permission: str | None
    description: str
    accesskey: str = ""


MENU: list[MenuEntry] = [
    MenuEntry("ホーム", "home", None, "担当業務と最近のお知らせ", accesskey="h"),
    MenuEntry("宛名検索", "eligibility:search", "person.view", "カナ氏名・生年月日・個人番号による宛名の検索と世帯の確認", accesskey="p"),
    MenuEntry("要確認案件", "eligibility_office:queue", "qualification.update", "住基異動のうち職員の判断が必要なもの（適用除外・住所地特例・過去日付・不一致）の処理", accesskey="w"),
    MenuEntry("施設マスタ", "eligibility_office:facilities", "facility.view", "適用除外施設・住所地特例対象施設などの施設の検索・登録・変更・廃止", accesskey="l"),
    MenuEntry("住基異動の取込結果", "eligibility_office:intake", "intake.view", "夜間の住基異動取込の件数（適用・要確認・エラー）とエラーの理由", accesskey="i"),
    MenuEntry("保険料の試算", "premiums_office:simulator", "premium.view", "所得の状況から所得段階と保険料額を試算（窓口・電話での説明用、記録しません）", accesskey="c"),
    MenuEntry("滞納者一覧", "premiums_office:arrears", "premium.arrears.view", "納期限を過ぎた保険料の未納者（区別、未納額の多い順）と督促・時効の状況", accesskey="t"),
    MenuEntry("保留中の収納", "premiums_office:held-payments", "premium.settle", "収納データのうち未納額を大きく超える納付（過納として収納するか返戻するかの判断）"),
    MenuEntry("保険料率表", "premiums_office:rate-tables", "premium.table.view", "年度ごとの保険料率表（所得段階・基準額・保険料率）と徴収計画の確認、案の作成・変更・承認", accesskey="r"),
    MenuEntry("減免の決定", "premiums_office:reductions", "premium.reduction.decide", "保険料の減免・境界層措置・徴収猶予の申請の承認・却下", accesskey="g"),
    MenuEntry("認定申請の一覧", "certification:case_list", "certification.view", "処理中の要介護認定の申請（区ごと、30日の期限の近い順）と不足書類・延期通知の状況", accesskey="e"),
    MenuEntry("認定の締切管理", "certification:dashboard", "certification.dashboard", "認定申請の処理状況（段階・経過日数）、30日の期限が近い案件と延期通知、区別・月別の平均処理日数", accesskey="d"),
    MenuEntry("介護認定審査会", "certification:board_sessions", "certification.board", "審査会の開催予定と案件の割当、審査会資料（委員用・事務局用）の印刷、合議体と委員の管理"),
    MenuEntry("意見書の督促一覧", "certification:opinion_late", "certification.view", "依頼から日数を過ぎても届かない主治医意見書（医療機関への督促）"),
    MenuEntry("一次判定ソフトとの連携", "certification:assessment_exchange", "certification.view", "一次判定を待つ案件の出力と、国の一次判定ソフトの結果ファイルの取込"),
    MenuEntry("認定調査の取込", "certification:survey_files", "certification.update", "委託先（指定市町村事務受託法人・居宅介護支援事業者等）からの認定調査結果ファイルの取込とエラー行の確認"),
    MenuEntry("更新対象者の一覧", "certification:renewal_due", "certification.view", "要介護認定の有効期間が60日以内に終わる方（区別、終了日の近い順）と更新申請の有無"),
    MenuEntry("アクセス記録", "audit:access-log", "audit.view", "誰がいつどの被保険者の情報を見たかの検索と改ざん検知の警告", accesskey="a"),
    MenuEntry("職員管理", "staff:list", "staff.view", "職員アカウントと利用権限の付与・取消、パスワード再発行", accesskey="u"),
    MenuEntry("職員アカウントの申請", "staff:requests", "staff.request", "職員アカウントの作成・無効化の申請と所管課長の決定", accesskey="j"),
    MenuEntry("バッチ処理", "batches:list", "batch.view", "夜間・月次バッチの実行状況とエラーの確認", accesskey="b"),
    MenuEntry("システム状態", "system-status", "system.health", "データベース・キュー・バッチワーカーの稼働状況", accesskey="s"),
]


@functools.lru_cache(maxsize=256)
def _url(url_name: str, script_prefix: str) -> str:
    return reverse(url_name)


def fixed_url(url_name: str) -> str:
    """The URL of a page without arguments, reversed once per process and script prefix (the
    menu and the header are on every page)."""
    return _url(url_name, get_script_prefix())


_STAND_IN = 987654321987  # a stand-in record number, cut out of the reversed URL


@functools.lru_cache(maxsize=256)
def _url_around(url_name: str, script_prefix: str) -> tuple[str, str]:
    before, found, after = reverse(url_name, args=[_STAND_IN]).partition(str(_STAND_IN))
    if not found:
        raise ValueError(f"{url_name}: the URL does not show its argument")
    return before, after


def record_url(url_name: str, pk: int) -> str:
    """The URL of a page about one record (its one integer argument), from the pattern reversed
    once per process and script prefix (the person tabs' links are on every tab)."""
    before, after = _url_around(url_name, get_script_prefix())
    return f"{before}{pk}{after}"


def record_urls(url_name: str, pks: Iterable[int]) -> list[str]:
    """``record_url`` of each of ``pks``, the script prefix read once (a list of a hundred records:
    reading the prefix, a thread-local, cost more than the rest of the URL)."""
    before, after = _url_around(url_name, get_script_prefix())
    return [f"{before}{pk}{after}" for pk in pks]


def menu_for(user) -> list[dict]:
    """The menu entries the user may use, with their URLs (reversed once per process and prefix:
    the menu is on every page)."""
    prefix = get_script_prefix()
    return [
        {"entry": e, "url": _url(e.url_name, prefix)}
        for e in MENU
        if e.permission is None or has_permission(user, e.permission)
    ]
