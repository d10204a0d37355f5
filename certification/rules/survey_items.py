"""The basic survey (基本調査) of the certification survey (認定調査票) as data: every item, its code,
its allowed answers in order from the most independent to the most dependent, their official
wording (as far as known: docs/subsystems/certification-survey.md marks what is uncertain), how
dependent each answer is (``answer_severity``), and the consistency warnings between answers.

The survey is made under 法 §27 第2項 (new), §28 第4項・第5項 (renewal) and §29 第2項 (change);
its items are those of the national survey sheet (認定調査票, 平成21年厚生労働省告示 / 老健局長通知
「要介護認定等の方法の見直しに伴う認定調査員テキスト」, 2009 model, still current): 62 items of
groups 1-5 (with the sub-items of 麻痺 and 拘縮), 12 special medical cares of the last 14 days
and the 2 independence ranks (DOMAIN.md 3.4).

An answer is stored as the number of the chosen option on the sheet ("1" = the first, the most
independent), never as its wording, so that a corrected wording changes no stored survey.
"""

from __future__ import annotations

from dataclasses import dataclass

ABSENT_PRESENT = ("ない", "ある")
ABLE_THREE = ("つかまらないでできる", "何かにつかまればできる", "できない")
STANDING = ("支えなしでできる", "何か支えがあればできる", "できない")
CARE_THREE = ("介助されていない", "一部介助", "全介助")
CARE_FOUR = ("介助されていない", "見守り等", "一部介助", "全介助")
ABLE_TWO = ("できる", "できない")
BEHAVIOUR = ("ない", "ときどきある", "ある")


@dataclass(frozen=True)
class Group:
    number: int
    label: str


GROUPS = (
    Group(1, "第1群 身体機能・起居動作"),
    Group(2, "第2群 生活機能"),
    Group(3, "第3群 認知機能"),
    Group(4, "第4群 精神・行動障害"),
    Group(5, "第5群 社会生活への適応"),
    Group(6, "過去14日間にうけた特別な医療"),
    Group(7, "日常生活自立度"),
)
GROUP_LABELS = {g.number: g.label for g in GROUPS}


@dataclass(frozen=True)
class Item:
    """One answered item of the basic survey. ``answers``: the options in the sheet's order, the most
    independent first; ``severities``: how dependent each is (0.0 .. 1.0), when not evenly spaced
    (an option that is not on the scale, such as 洗身「行っていない」)."""

    code: str
    label: str
    answers: tuple[str, ...]
    parent: str = ""  # 1-1 麻痺等の有無 / 1-2 拘縮の有無: the item whose sub-item this is
    severities: tuple[float, ...] | None = None

    @property
    def group(self) -> int:
        return int(self.code.split("-", 1)[0])

    @property
    def full_label(self) -> str:
        return f"{PARENTS[self.parent]}（{self.label}）" if self.parent else self.label

    @property
    def values(self) -> tuple[str, ...]:
        """The stored answers: the options' numbers, "1" .. "n"."""
        return tuple(str(n) for n in range(1, len(self.answers) + 1))


# items that are only the heading of their sub-items (they have no answer of their own)
PARENTS = {"1-1": "麻痺等の有無", "1-2": "拘縮の有無"}


def _group(number: int, rows) -> list[Item]:
    return [Item(f"{number}-{n}", label, answers) for n, (label, answers) in enumerate(rows, start=1)]


def _sub(parent: str, labels: tuple[str, ...]) -> list[Item]:
    return [Item(f"{parent}-{n}", label, ABSENT_PRESENT, parent=parent) for n, label in enumerate(labels, start=1)]


ITEMS: tuple[Item, ...] = (
    # 第1群 身体機能・起居動作 (1-1, 1-2: sub-items only)
    *_sub("1-1", ("左上肢", "右上肢", "左下肢", "右下肢", "その他（四肢の欠損）")),
    *_sub("1-2", ("肩関節", "股関節", "膝関節", "その他（四肢の欠損）")),
    *[Item(f"1-{n}", label, answers, **extra) for n, label, answers, extra in (
        (3, "寝返り", ABLE_THREE, {}),
        (4, "起き上がり", ABLE_THREE, {}),
        (5, "座位保持", ("できる", "自分の手で支えればできる", "支えてもらえればできる", "できない"), {}),
        (6, "両足での立位保持", STANDING, {}),
        (7, "歩行", ABLE_THREE, {}),
        (8, "立ち上がり", ABLE_THREE, {}),
        (9, "片足での立位", STANDING, {}),
        # 「行っていない」(no bathing at all, e.g. only wiping) is not on the scale: counted as 全介助
        (10, "洗身", (*CARE_THREE, "行っていない"), {"severities": (0.0, 0.5, 1.0, 1.0)}),
        (11, "つめ切り", CARE_THREE, {}),
        # 「判断不能」 is not on the scale: counted as the most dependent
        (12, "視力", ("普通（日常生活に支障がない）", "約1m離れた視力確認表の図が見える", "目の前に置いた視力確認表の図が見える",
                    "ほとんど見えない", "見えているのか判断不能"), {"severities": (0.0, 0.25, 0.5, 1.0, 1.0)}),
        (13, "聴力", ("普通", "普通の声がやっと聞き取れる", "かなり大きな声なら何とか聞き取れる", "ほとんど聞えない",
                    "聞えているのか判断不能"), {"severities": (0.0, 0.25, 0.5, 1.0, 1.0)}),
    )],
    # 第2群 生活機能
    *_group(2, (
        ("移乗", CARE_FOUR),
        ("移動", CARE_FOUR),
        ("えん下", ("できる", "見守り等", "できない")),
        ("食事摂取", CARE_FOUR),
        ("排尿", CARE_FOUR),
        ("排便", CARE_FOUR),
        ("口腔清潔", CARE_THREE),
        ("洗顔", CARE_THREE),
        ("整髪", CARE_THREE),
        ("上衣の着脱", CARE_FOUR),
        ("ズボン等の着脱", CARE_FOUR),
        ("外出頻度", ("週1回以上", "月1回以上", "月1回未満")),
    )),
    # 第3群 認知機能
    *_group(3, (
        ("意思の伝達", ("調査対象者が意思を他者に伝達できる", "ときどき伝達できる", "ほとんど伝達できない", "できない")),
        ("毎日の日課を理解", ABLE_TWO),
        ("生年月日や年齢を言う", ABLE_TWO),
        ("短期記憶", ABLE_TWO),
        ("自分の名前を言う", ABLE_TWO),
        ("今の季節を理解", ABLE_TWO),
        ("場所の理解", ABLE_TWO),
        ("常時の徘徊", BEHAVIOUR),
        ("外出すると戻れない", BEHAVIOUR),
    )),
    # 第4群 精神・行動障害 (each: ない / ときどきある / ある)
    *_group(4, tuple((label, BEHAVIOUR) for label in (
        "物を盗られたなどと被害的になる", "作話", "泣いたり、笑ったりして感情が不安定になる", "昼夜の逆転",
        "しつこく同じ話をする", "大声をだす", "介護に抵抗する", "「家に帰る」等と言い落ち着きがない",
        "一人で外に出たがり目が離せない", "いろいろなものを集めたり、無断でもってくる", "物を壊したり、衣類を破いたりする",
        "ひどい物忘れ", "意味もなく独り言や独り笑いをする", "自分勝手に行動する", "話がまとまらず、会話にならない"))),
    # 第5群 社会生活への適応
    *_group(5, (
        ("薬の内服", CARE_THREE),
        ("金銭の管理", CARE_THREE),
        ("日常の意思決定", ("できる（特別な場合でもできる）", "特別な場合を除いてできる", "日常的に困難", "できない")),
        ("集団への不適応", BEHAVIOUR),
        ("買い物", CARE_FOUR),
        ("簡単な調理", CARE_FOUR),
    )),
    # 過去14日間にうけた特別な医療 (each: ない / ある)
    *_group(6, tuple((label, ABSENT_PRESENT) for label in (
        "点滴の管理", "中心静脈栄養", "透析", "ストーマ（人工肛門）の処置", "酸素療法", "レスピレーター（人工呼吸器）",
        "気管切開の処置", "疼痛の看護", "経管栄養", "モニター測定（血圧、心拍、酸素飽和度等）", "じょくそうの処置",
        "カテーテル（コンドームカテーテル、留置カテーテル、ウロストーマ等）"))),
    # 日常生活自立度
    Item("7-1", "障害高齢者の日常生活自立度（寝たきり度）", ("自立", "J1", "J2", "A1", "A2", "B1", "B2", "C1", "C2")),
    Item("7-2", "認知症高齢者の日常生活自立度", ("自立", "Ⅰ", "Ⅱa", "Ⅱb", "Ⅲa", "Ⅲb", "Ⅳ", "M")),
)
ITEM_BY_CODE: dict[str, Item] = {item.code: item for item in ITEMS}
CODES: tuple[str, ...] = tuple(ITEM_BY_CODE)


def item_label(code: str) -> str:
    """The item's name as staff say it, with its number: 「1-3 寝返り」."""
    return f"{code} {ITEM_BY_CODE[code].full_label}"


def answer_label(code: str, answer: str) -> str:
    """The wording of a stored answer (``answer`` is the option's number)."""
    return ITEM_BY_CODE[code].answers[int(answer) - 1]


def answer_severity(code: str, answer: str) -> float:
    """How dependent ``answer`` of item ``code`` is: 0.0 for the most independent option .. 1.0 for
    the most dependent, evenly spaced along the sheet's order unless the item says otherwise.
    A rough scale for estimates (the built-in estimator of certification.assessment), NOT the
    national 中間評価項目 scores. ValueError for an unknown item or answer."""
    item = ITEM_BY_CODE.get(code)
    if item is None:
        raise ValueError(f"unknown survey item {code!r}")
    if answer not in item.values:
        raise ValueError(f"answer {answer!r} is not allowed for item {code}")
    index = int(answer) - 1
    if item.severities is not None:
        return item.severities[index]
    return index / (len(item.answers) - 1)


def answer_problem(code: str, answer: str) -> str | None:
    """Why ``answer`` cannot be the answer of item ``code`` (Japanese, naming the item and the
    options allowed, never repeating the value), or None when it is one of the item's options."""
    item = ITEM_BY_CODE.get(code)
    if item is None:
        return f"調査項目「{code}」は基本調査の項目ではありません。"
    if answer in item.values:
        return None
    options = "、".join(f"{n}: {label}" for n, label in zip(item.values, item.answers, strict=True))
    return f"「{item_label(code)}」の回答は選択肢の番号（{options}）で入力してください。"


def answers_problems(answers: dict[str, str]) -> list[str]:
    """Every answer that is not allowed (an empty answer is a missing one, not a problem here)."""
    return [p for code, answer in answers.items() if answer for p in [answer_problem(code, answer)] if p]


def answers_missing(answers: dict[str, str]) -> list[str]:
    """The items not answered yet, in the sheet's order."""
    return [code for code in CODES if not answers.get(code)]


# --- consistency between answers (warnings, never refusals: the surveyor confirms) ----------------


@dataclass(frozen=True)
class ConsistencyRule:
    """A pair of answers that rarely go together: when item ``first`` has one of ``first_answers``
    and item ``second`` one of ``second_answers``, the surveyor is asked to check both (a warning
    on the entry screen; the entry is kept once they confirm). Answers are the options' numbers."""

    code: str
    first: str
    first_answers: frozenset[str]
    second: str
    second_answers: frozenset[str]


def _rule(code: str, first: str, first_answers: str, second: str, second_answers: str) -> ConsistencyRule:
    return ConsistencyRule(code, first, frozenset(first_answers), second, frozenset(second_answers))


# Modelled on the checks of the survey sheet's entry (DOMAIN.md 3.4: 「寝返り」が「できない」なのに
# 「洗身」が「自立」 and its like); the list is this system's, not the national software's.
CONSISTENCY_RULES: tuple[ConsistencyRule, ...] = (
    _rule("W01", "1-3", "3", "1-10", "1"),  # 寝返り できない, 洗身 介助されていない
    _rule("W02", "1-7", "3", "2-2", "1"),  # 歩行 できない, 移動 介助されていない
    _rule("W03", "3-1", "4", "3-4", "1"),  # 意思の伝達 できない, 短期記憶 できる
    _rule("W04", "1-6", "3", "1-7", "1"),  # 両足での立位保持 できない, 歩行 つかまらないでできる
    _rule("W05", "1-6", "3", "1-9", "1"),  # 両足での立位保持 できない, 片足での立位 支えなしでできる
    _rule("W06", "1-5", "4", "2-1", "1"),  # 座位保持 できない, 移乗 介助されていない
    _rule("W07", "1-8", "3", "1-9", "1"),  # 立ち上がり できない, 片足での立位 支えなしでできる
    _rule("W08", "2-3", "3", "2-4", "1"),  # えん下 できない, 食事摂取 介助されていない
    _rule("W09", "3-1", "4", "5-3", "1"),  # 意思の伝達 できない, 日常の意思決定 できる
    _rule("W10", "3-5", "2", "3-3", "1"),  # 自分の名前を言う できない, 生年月日や年齢を言う できる
    _rule("W11", "7-1", "89", "2-2", "1"),  # 寝たきり度 C1・C2, 移動 介助されていない
    _rule("W12", "7-1", "123", "1-7", "3"),  # 寝たきり度 自立・J1・J2, 歩行 できない
    _rule("W13", "7-2", "1", "3-4", "2"),  # 認知症自立度 自立, 短期記憶 できない
    _rule("W14", "2-4", "4", "5-1", "1"),  # 食事摂取 全介助, 薬の内服 介助されていない
)


def _quoted(code: str, answer: str) -> str:
    return f"「{ITEM_BY_CODE[code].full_label}」が「{answer_label(code, answer)}」"


def consistency_warnings(answers: dict[str, str]) -> list[str]:
    """The warnings of ``answers`` (Japanese, naming both items and their answers), in the rules'
    order. Answers not allowed or missing take part in no rule."""
    warnings = []
    for rule in CONSISTENCY_RULES:
        a, b = answers.get(rule.first), answers.get(rule.second)
        if a in rule.first_answers and b in rule.second_answers:
            warnings.append(f"{_quoted(rule.first, a)}なのに{_quoted(rule.second, b)}です。確認してください。")
    return warnings
