"""The synthetic city's facility master (eligibility's part; a step of ``generate_city``): a fixed,
fictitious set of facilities of every category, in the city's wards and in neighbouring
municipalities, so that every kind of 届出 can be registered in the demo (適用除外施設 for
入所, 住所地特例対象施設 in the city for another insurer's insured, elsewhere for the city's own)
and the registry simulator finds facility addresses to move people into. One facility is closed
(the master keeps closed facilities: stays and registry lines name them).

Names and 事業所番号 are invented; municipality codes are real codes of the places named (check digit
computed by eligibility.codes.municipality_code). Deterministic without a seed: the same rows every
time. On an existing city it adds the facilities it lacks, by code, and changes none."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from eligibility.codes import FacilityCategory as C
from eligibility.codes import municipality_code
from eligibility.qualification.models import Facility
from eligibility.qualification.rules import FacilityInput, facility_check, facility_kind

if TYPE_CHECKING:
    from synthetic.steps import CityRun

KAWASAKI_KU, SAIWAI, NAKAHARA, TAKATSU, TAMA, MIYAMAE, ASAO = (
    municipality_code(b) for b in ("14131", "14132", "14133", "14134", "14135", "14136", "14137"))
YOKOHAMA_AOBA = municipality_code("14117")
YOKOHAMA_TSURUMI = municipality_code("14102")
SAGAMIHARA_MIDORI = municipality_code("14151")
MACHIDA = municipality_code("13209")
INAGI = municipality_code("13225")
SETAGAYA = municipality_code("13112")
OTA = municipality_code("13111")
TAKASAKI = municipality_code("10202")
HIGASHIMURAYAMA = municipality_code("13213")

# (code, name, category, municipality, address, 事業所番号, opened, closed, closing reason)
FACILITIES: tuple[tuple, ...] = (
    # 住所地特例対象施設 in the city (他市町村の被保険者が入所する: 他特例)
    ("FS01000001", "特別養護老人ホーム 多摩川の杜", C.NURSING_HOME, TAMA, "多摩区菅三丁目1番1号", "1471500011",
     date(2003, 4, 1), None, ""),
    ("FS01000002", "特別養護老人ホーム 等々力の郷", C.NURSING_HOME, NAKAHARA, "中原区等々力五丁目2番2号", "1471300022",
     date(1998, 10, 1), None, ""),
    ("FS01000003", "特別養護老人ホーム 麻生台", C.NURSING_HOME, ASAO, "麻生区王禅寺西一丁目3番3号", "1471700033",
     date(2010, 6, 1), None, ""),
    ("FS02000001", "介護老人保健施設 さいわいケアセンター", C.HEALTH_FACILITY, SAIWAI, "幸区鹿島田二丁目4番4号",
     "1451200044", date(2001, 4, 1), None, ""),
    ("FS02000002", "介護老人保健施設 宮前の丘", C.HEALTH_FACILITY, MIYAMAE, "宮前区有馬六丁目5番5号", "1451600055",
     date(2005, 9, 1), None, ""),
    ("FS03000001", "介護医療院 かわさき臨海", C.CARE_MEDICAL, KAWASAKI_KU, "川崎区殿町一丁目6番6号", "14B1100066",
     date(2019, 4, 1), None, ""),
    ("FS04000001", "介護付有料老人ホーム 高津ガーデン", C.PAID_HOME, TAKATSU, "高津区溝口四丁目7番7号", "1471400077",
     date(2012, 2, 1), None, ""),
    ("FS04000002", "サービス付き高齢者向け住宅 新百合ヶ丘レジデンス", C.PAID_HOME, ASAO, "麻生区上麻生一丁目8番8号",
     "", date(2016, 11, 1), None, ""),
    ("FS05000001", "ケアハウス 生田の里", C.LOW_COST_HOME, TAMA, "多摩区生田七丁目9番9号", "", date(1999, 4, 1),
     None, ""),
    ("FS06000001", "養護老人ホーム 川崎みなと園", C.PROTECTIVE_HOME, KAWASAKI_KU, "川崎区大師町十番10号", "",
     date(1985, 4, 1), None, ""),
    ("FS01000009", "特別養護老人ホーム 旧小杉ホーム", C.NURSING_HOME, NAKAHARA, "中原区小杉町一丁目11番11号",
     "1471300099", date(1990, 4, 1), date(2024, 4, 1), "建替えのため閉所（入所者は等々力の郷へ移転）"),
    # 住所地特例対象施設 elsewhere (本市の被保険者が入所する: 自特例)
    ("FS11000001", "特別養護老人ホーム 町田やまゆり苑", C.NURSING_HOME, MACHIDA, "東京都町田市小山町1番1号",
     "1371200011", date(2002, 4, 1), None, ""),
    ("FS12000001", "介護老人保健施設 青葉台の杜", C.HEALTH_FACILITY, YOKOHAMA_AOBA, "横浜市青葉区奈良町2番2号",
     "1451100022", date(2000, 4, 1), None, ""),
    ("FS13000001", "介護医療院 相模湖畔", C.CARE_MEDICAL, SAGAMIHARA_MIDORI, "相模原市緑区若柳3番3号", "14B1500033",
     date(2020, 10, 1), None, ""),
    ("FS14000001", "介護付有料老人ホーム 稲城よみうりランド前", C.PAID_HOME, INAGI, "東京都稲城市矢野口4番4号",
     "1371300044", date(2014, 5, 1), None, ""),
    ("FS15000001", "軽費老人ホーム 鶴見ケアハウス", C.LOW_COST_HOME, YOKOHAMA_TSURUMI, "横浜市鶴見区東寺尾5番5号", "",
     date(2004, 4, 1), None, ""),
    ("FS16000001", "養護老人ホーム 世田谷ひかり園", C.PROTECTIVE_HOME, SETAGAYA, "東京都世田谷区砧6番6号", "",
     date(1978, 4, 1), None, ""),
    # 適用除外施設 (in the city and elsewhere)
    ("FX01000001", "障害者支援施設 川崎あおぞら園", C.DISABILITY_SUPPORT, MIYAMAE, "宮前区野川本町一丁目1番1号",
     "1411600011", date(2006, 10, 1), None, ""),
    ("FX01000002", "障害者支援施設 中原ひだまり", C.DISABILITY_SUPPORT, NAKAHARA, "中原区井田三丁目2番2号",
     "1411300022", date(2012, 4, 1), None, ""),
    ("FX02000001", "障害者支援施設 さくら学園（措置）", C.DISABILITY_MEASURE, TAKATSU, "高津区久末3番3号", "",
     date(1995, 4, 1), None, ""),
    ("FX03000001", "医療型障害児入所施設 かわさき療育センター", C.MEDICAL_CHILD, SAIWAI, "幸区小倉四丁目4番4号", "",
     date(2001, 4, 1), None, ""),
    ("FX04000001", "療養介護 川崎北部病院", C.MEDICAL_CARE_HOSPITAL, TAMA, "多摩区長沢五丁目5番5号", "1411500055",
     date(2012, 4, 1), None, ""),
    ("FX05000001", "救護施設 大師寮", C.RELIEF, KAWASAKI_KU, "川崎区台町6番6号", "", date(1970, 4, 1), None, ""),
    ("FX06000001", "労災特別介護施設 ケアプラザ大田", C.WORK_INJURY, OTA, "東京都大田区南六郷7番7号", "",
     date(1997, 4, 1), None, ""),
    ("FX07000001", "国立重度知的障害者総合施設（試験用）", C.NOZOMI, TAKASAKI, "群馬県高崎市寺尾町8番8号", "",
     date(2003, 10, 1), None, ""),
    ("FX08000001", "国立療養所（ハンセン病・試験用）", C.HANSEN, HIGASHIMURAYAMA, "東京都東村山市青葉町9番9号", "",
     date(1960, 4, 1), None, ""),
    # その他 (no effect on qualification; the registry's addresses name them too)
    ("FO01000001", "地域密着型特別養護老人ホーム 梶ヶ谷", C.COMMUNITY_NURSING_HOME, TAKATSU, "高津区梶ヶ谷1番1号",
     "1491400011", date(2013, 4, 1), None, ""),
    ("FO02000001", "グループホーム 登戸なごみ", C.GROUP_HOME, TAMA, "多摩区登戸2番2号", "1491500022",
     date(2008, 7, 1), None, ""),
    ("FO02000002", "グループホーム 鹿島田ひなた", C.GROUP_HOME, SAIWAI, "幸区新川崎3番3号", "1491200033",
     date(2015, 3, 1), None, ""),
)


def facility_rows() -> list[Facility]:
    """The master's rows, each checked by the master's own rule (a wrong row is a bug here)."""
    rows = []
    for code, name, category, municipality, address, office, opened, closed, reason in FACILITIES:
        problems = facility_check(FacilityInput(code, name, category, municipality, address, office, opened))
        if problems:
            raise ValueError(f"synthetic facility {code}: {problems}")
        rows.append(Facility(code=code, name=name, category=category, kind=facility_kind(category),
                             municipality=municipality, address=address, office_number=office, opened_on=opened,
                             closed_on=closed, closed_reason=reason))
    return rows


def facilities_step(run: CityRun) -> str | None:
    """Add the facilities the master lacks (module docstring)."""
    have = set(Facility.objects.values_list("code", flat=True))
    missing = [f for f in facility_rows() if f.code not in have]
    if not missing:
        return None
    Facility.objects.bulk_create(missing)
    return f"facilities in the master: {len(missing)} added"
