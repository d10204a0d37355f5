"""Staff roles, organisations and the named permissions each role grants.

Roles decide which functions a staff member may use; the home organisation scopes
what they may update. Permissions are named strings (never numeric codes) so a check
reads as what it protects: ``has_permission(user, "batch.operate")``.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    WARD_CLERK = "ward_clerk", "区役所窓口担当"
    CERTIFICATION_CLERK = "certification_clerk", "認定担当"
    HEAD_OFFICE_CLERK = "head_office_clerk", "介護保険課担当"
    SECTION_CHIEF = "section_chief", "所管課長"
    AUDITOR = "auditor", "監査担当（監督者）"
    OPERATOR = "operator", "運用担当"
    INQUIRY = "inquiry", "照会専用"


class Organisation(models.TextChoices):
    """The seven ward offices and the head office (介護保険課)."""

    HEAD_OFFICE = "head_office", "本庁 介護保険課"
    KAWASAKI = "ward_kawasaki", "川崎区役所"
    SAIWAI = "ward_saiwai", "幸区役所"
    NAKAHARA = "ward_nakahara", "中原区役所"
    TAKATSU = "ward_takatsu", "高津区役所"
    MIYAMAE = "ward_miyamae", "宮前区役所"
    TAMA = "ward_tama", "多摩区役所"
    ASAO = "ward_asao", "麻生区役所"


# Named permission -> roles that hold it. Domain apps add their permissions here.
PERMISSIONS: dict[str, frozenset[Role]] = {
    # batch console: see runs and their errors
    "batch.view": frozenset({Role.OPERATOR, Role.HEAD_OFFICE_CLERK, Role.SECTION_CHIEF, Role.AUDITOR}),
    # start, resume a batch
    "batch.operate": frozenset({Role.OPERATOR}),
    # system status
    "system.health": frozenset({Role.OPERATOR, Role.SECTION_CHIEF}),
    # staff accounts: see the list, each account's roles and their history
    "staff.view": frozenset({Role.SECTION_CHIEF, Role.AUDITOR}),
    # grant and revoke roles, reset passwords, second factors and lockouts; approve or reject a
    # request to create or disable an account (所管課長 only, never their own request)
    "staff.manage": frozenset({Role.SECTION_CHIEF}),
    # request an account's creation or disabling (職員管理の申請), for the section chief's decision
    "staff.request": frozenset({Role.HEAD_OFFICE_CLERK, Role.OPERATOR, Role.SECTION_CHIEF}),
    # search the access log, see tamper alerts (監査)
    "audit.view": frozenset({Role.AUDITOR, Role.SECTION_CHIEF}),
    # search residents and open their overview (every read is in the access log)
    "person.view": frozenset({Role.WARD_CLERK, Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK, Role.INQUIRY}),
    # see and search by My Number: only the number-use work (個人番号利用事務); masked for all others
    "my_number.view": frozenset({Role.WARD_CLERK, Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK}),
    # see the address, phone and reason of a person under a support measure (支援措置, e.g. DV
    # protection), and only for residents of the own ward (eligibility/residents/scope.py,
    # sensitive_visible): the counter and the certification survey need it; inquiries and other
    # agencies' requests must not
    "person.sensitive.view": frozenset({Role.WARD_CLERK, Role.CERTIFICATION_CLERK}),
    # register qualification notifications (届出) by hand and resolve the intake's work queue (要確認案件)
    "qualification.update": frozenset({Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK}),
    # see the facility master (施設マスタ): facilities a 届出 or a registry address names
    "facility.view": frozenset({Role.WARD_CLERK, Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK,
                                Role.SECTION_CHIEF, Role.INQUIRY}),
    # add, edit and close facilities of the master (the head office keeps it for every ward)
    "facility.manage": frozenset({Role.HEAD_OFFICE_CLERK}),
    # issue and reissue (再交付) cards and certificates of a person, and print them
    "card.issue": frozenset({Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK}),
    # print every card of a batch run (the monthly 65th-birthday run) as one PDF
    "card.batch_print": frozenset({Role.HEAD_OFFICE_CLERK, Role.OPERATOR}),
    # the registry intake's results per file: counts, rejected and queued lines (no personal data)
    "intake.view": frozenset({Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK, Role.OPERATOR}),
    # see the premium rate tables by fiscal year (保険料率表)
    "premium.table.view": frozenset({Role.HEAD_OFFICE_CLERK, Role.SECTION_CHIEF, Role.WARD_CLERK}),
    # draft and edit a rate table for new fiscal years; approval is the section chief's alone
    "premium.table.manage": frozenset({Role.HEAD_OFFICE_CLERK, Role.SECTION_CHIEF}),
    # a person's premium tab: levy by year (stage and why, amount, schedule), payments, notices;
    # the counter's premium simulator (試算). Inquiry staff answer residents' questions about it.
    "premium.view": frozenset({Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK, Role.INQUIRY}),
    # record a payment at the counter, print a person's notices and payment slips
    "premium.collect": frozenset({Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK}),
    # decide on an overpayment: refund it (還付) or apply it to another open installment (充当)
    "premium.settle": frozenset({Role.HEAD_OFFICE_CLERK, Role.SECTION_CHIEF}),
    # decide on an application for a reduction (減免) or the 境界層措置 (never the clerk who took it)
    "premium.reduction.decide": frozenset({Role.SECTION_CHIEF}),
    # the arrears list of the own ward (head office: any ward) for collection work (滞納整理)
    "premium.arrears.view": frozenset({Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK}),
    # care-need certification (要介護認定) is health data (要配慮個人情報): the case list, a case, a person's
    # 認定 tab, the board's sessions (every read is in the access log)
    "certification.view": frozenset({Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK}),
    # take an application, register papers, request the survey and the doctor's opinion, enter
    # surveys and primary results, postpone, withdraw or end a case (own ward; head office: any)
    "certification.update": frozenset({Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK}),
    # the review board: panels, members, sessions, the assignment of cases, the board materials
    "certification.board": frozenset({Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK}),
    # enter the board's result (二次判定) and decide the certification (認定), issue its notices
    "certification.decide": frozenset({Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK}),
    # the deadline dashboard (cases by stage, days elapsed, averages per ward and month): no names
    "certification.dashboard": frozenset({Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK, Role.SECTION_CHIEF}),
    # a person's 給付 tab and benefit pages (ratio, records, limits, restrictions, refunds)
    "benefit.view": frozenset({Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK, Role.INQUIRY}),
    # take benefit applications and register their papers (own ward; head office: any)
    "benefit.update": frozenset({Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK}),
    # decide benefit applications, refunds, restrictions and payments (a named decider)
    "benefit.decide": frozenset({Role.HEAD_OFFICE_CLERK, Role.SECTION_CHIEF}),
    # the monthly and yearly benefit runs and file imports
    "benefit.run": frozenset({Role.HEAD_OFFICE_CLERK, Role.OPERATOR}),
}

# Roles whose holders must pass a second factor (TOTP) after their password on every sign-in.
# Everyone else may enrol one voluntarily; once enrolled it is required for them too.
SECOND_FACTOR_ROLES: frozenset[Role] = frozenset({Role.SECTION_CHIEF, Role.AUDITOR})

# What each role's home screen says its work is (shown on the home screen).
ROLE_DUTIES: dict[Role, str] = {
    Role.WARD_CLERK: "資格の届出受付、被保険者証の交付、保険料の相談・収納、減免の受付",
    Role.CERTIFICATION_CLERK: "要介護認定の申請受付、認定調査の依頼、主治医意見書の管理、審査会の準備",
    Role.HEAD_OFFICE_CLERK: "バッチ処理の確認、給付・外部連携の処理、他機関からの照会対応",
    Role.SECTION_CHIEF: "職員アカウントの作成・無効化の決定、利用権限の付与・取消、機微な情報提供の承認",
    Role.AUDITOR: "アクセス記録の点検、警告の調査、利用権限の定期見直し",
    Role.OPERATOR: "夜間・月次バッチの実行と監視、失敗した処理の再実行",
    Role.INQUIRY: "被保険者情報の照会（更新はできません）",
}


def roles_with(permission: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[permission]
    except KeyError:  # a typo in a permission name must fail loudly, not deny silently
        raise KeyError(f"unknown permission: {permission}") from None


def has_permission(user, permission: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.active_roles & roles_with(permission))
