"""The monthly benefit-record file (給付実績情報) from the national federation (国保連): columns,
codes and the arithmetic a line must satisfy. Documented for people in
docs/subsystems/benefits-records.md; parser.py reads this layout and
linkage/kokuhoren/simulator.py writes it. No database here.

The federation's own file (交換情報識別番号 111x, DOMAIN.md 6.2/6.3) is a Shift_JIS file of control,
data (H1 基本, D1 明細, ...) and end records whose exact field lengths are in its interface
specification, of which no public copy was found (DOMAIN.md 6.3). This layout carries the fields of
that record the city uses, one line per person, provider, service month, service type and payment
route (the D1 明細 lines of a claim summed by service type, with the H1 基本's 保険給付率), in the
city's shared CSV form (kaigo/feeds.py: UTF-8, header, trailer). The adapter from the federation's
layout to this one is the place to change when the specification is at hand.
"""

from __future__ import annotations

from django.db import models

from kaigo.feeds import Column, FileLayout, header_of, line_encode  # noqa: F401  (line_encode: simulator and tests)


class PaymentRoute(models.TextChoices):
    """給付区分: how the benefit reached the person (DOMAIN.md 4.8)."""

    IN_KIND = "in_kind", "現物給付（法定代理受領）"
    REIMBURSED = "reimbursed", "償還払い"


ROUTE_CODES = {"1": PaymentRoute.IN_KIND.value, "2": PaymentRoute.REIMBURSED.value}
ROUTE_FILE_CODES = {route: code for code, route in ROUTE_CODES.items()}

COLUMNS: tuple[Column, ...] = (
    Column("連番", "serial"),
    Column("被保険者番号", "insured_number"),
    Column("事業所番号", "provider_number"),
    Column("サービス提供年月", "service_month"),
    Column("サービス種類コード", "service_type"),
    Column("給付区分", "route"),
    Column("単位数", "units"),
    Column("単位数単価", "unit_price"),
    Column("費用合計", "total_cost"),
    Column("給付率", "benefit_rate"),
    Column("保険給付額", "insurer_amount"),
    Column("公費負担額", "public_amount"),
    Column("利用者負担額", "copayment"),
)
HEADER = header_of(COLUMNS)
# The trailer: トレーラ,<件数>,<費用合計の合計> (kaigo/feeds.py).
LAYOUT = FileLayout(COLUMNS, amounts=("total_cost",))
LABELS = {c.attr: c.label for c in COLUMNS}

UNITS_DIGITS = 7
AMOUNT_DIGITS = 9
# 単位数単価 in hundredths of a yen: 10.00 (その他) to 11.40 (1級地, 人件費割合70%), 厚生労働大臣が定める
# 一単位の単価 (平成27年厚生労働省告示第93号, as revised; DOMAIN.md 3.10)
UNIT_PRICE_MIN, UNIT_PRICE_MAX = 1000, 1140
# 給付率 (percent): 90/80/70 (法 §41 第4項, §49の2: 1-3割負担), 60 and 70 under a benefit reduction
# (法 §69 第1項 and 施行令 §35の4: 給付額減額), 100 for care management (法 §46 第2項, §58: no co-payment)
BENEFIT_RATES = frozenset({100, 90, 80, 70, 60})
FIRST_SERVICE_MONTH = (2000, 4)  # 介護保険法 附則 第1条: in force from 2000-04-01


def month_text(year: int, month: int) -> str:
    return f"{year:04d}{month:02d}"


def total_cost_of(units: int, unit_price_hundredths: int) -> int:
    """費用合計: 単位数 × 単位数単価, the fraction of a yen dropped (指定居宅サービスに要する費用の額の算定に関する
    基準, 平成12年厚生省告示第19号 二: 「1円未満の端数があるときは、その端数金額は切り捨てて計算する」)."""
    return units * unit_price_hundredths // 100


def insurer_amount_of(total_cost: int, benefit_rate: int) -> int:
    """保険給付額 (保険請求額) of a line without public expense: 費用合計 × 給付率, the fraction of a yen
    dropped (法 §41 第4項 第1号 「100分の90に相当する額」; rounding per the claims' 記載要領, to confirm).
    The co-payment is the rest."""
    return total_cost * benefit_rate // 100


def unit_price_text(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"
