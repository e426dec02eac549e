"""Quoted titles and named bodies in Chinese report text, found by pattern.

A reviewer's question is "where did this name come from?": a document title in 《》, a phrase in
“”, an organisation such as "市卫生健康委员会" or "区民政局". There is no dictionary of bodies, so
names are found by their endings (委员会, 局, 部, 中心, 公司 …) and cut off on the left at words
that rarely sit inside a name (在, 和, 配合, 联合 …). The extractor errs towards short names:
"人力资源和社会保障局" yields "社会保障局", which is still checked against the facts.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Mention:
    """A span of text: ``text`` is ``source[start:end]``; ``inner`` drops the quote marks."""

    text: str
    start: int
    end: int
    inner: str = ""


_QUOTES = (
    re.compile(r"《([^《》\n]{1,80})》"),
    re.compile(r"“([^“”\n]{1,80})”"),
    re.compile(r'"([^"\n]{1,80})"'),
    re.compile(r"「([^「」\n]{1,80})」"),
)

# Endings of named bodies, longest first so "委员会" wins over "会" and "办公室" over "办".
_SUFFIX_WORDS = (
    "委员会 人民政府 政府 办公室 办公厅 办事处 党工委 管委会 工委 纪委 监委 党委 "
    "党组 总支 支部 联合会 协会 学会 商会 基金会 工会 研究院 研究所 派出所 "
    "司法所 财政所 卫生院 医院 学院 大学 学校 中学 小学 党校 法院 检察院 工作站 "
    "服务站 服务中心 中心 公司 集团 银行 合作社 局 部 委 办 厅"
)
_SUFFIXES = sorted(_SUFFIX_WORDS.split(), key=len, reverse=True)
# What may not follow a suffix for it to end a name ("部署", "局面", "委托", "办法", "中心工作").
_NOT_AFTER = {
    "部": "署分门长队位件委",
    "局": "面势部长",
    "委": "托员派屈婉",
    "办": "法理好事学案结件公实成",
    "中学": "习",
    "中心": "工任组城环地位",
    "党组": "织",
    "厅": "长",
    "政府": "工",
}
# Common words that end like a name but are not one.
_FALSE_ENDINGS = re.compile(
    "(?:干部|全部|内部|外部|局部|东部|西部|南部|北部|中部|基部|头部|细部|俱乐部|"
    "大局|格局|布局|全局|开局|变局|当局|结局|新局|时局|棋局|骗局|"
    "举办|主办|承办|督办|交办|创办|开办|协办|合办|筹办|查办|代办|帮办|领办|包办|兴办|试办|首办|经办|"
    "通办|快办|好办|难办|必办|速办|直办|转办|即办|就办|网办|掌办|联办|集中办|一次办|马上办|"
    "两委|常委|编委|"
    "大厅|展厅|餐厅|客厅|"
    "为中心|核心|重心|总部|[一二两三四五六七八九十几每这那该此本各]部)$"
)
# Words that start a name's left neighbour: the name begins after the last of them.
_LEFT_CUT = re.compile(
    "紧扣|紧跟|对照|参照|依照|遵照|服从|落实|贯彻|协助|接受|汇报|请示|呈报|聚焦|结合|立足|对接|"
    "会同|联合|配合|协调|协同|推动|指导|督促|邀请|联系|依托|通过|经过|报请|提请|争取|积极|主动|组建|成立|设立|"
    "牵头|会商|携手|共同|其中|包括|以及|根据|按照|围绕|面向|深入|走访|帮助|支持|申报|报送|提交|上报|全区|全市|"
    # Verbs that govern a body ("引领党支部", "启动县疾控中心") and never sit inside a body's name.
    "引领|带动|带领|召开|新增|实施|启动|加快|推进|评出|实行|实现|建立|建成|建好|建强|新建|完成|开展|代表|"
    "打造|提升|强化|加强|夯实|激发|赋能|助力|压实|发挥|覆盖|健全|完善|印发|出台|推行|推广|探索|获评|"
    "荣获|选派|培育|抓好|抓实|做好|做实|用好|管好|扩建|新设|增设|挂牌|创成|整顿|"
    # Quantities and determiners before a kind of body ("三个社区党委", "部分卫生院", "五大中心").
    "部分|个别|所属|每[一个]?[个所家座批支类]?|各个|多个|若干|本届|所有|全体|其他|其余|"
    "[一二两三四五六七八九十几]+[个所家座批支类大]|"
    "[在和与及的对向由经为将把被从同等了是并或以于给让请据按跟至到各]"
)
# Names made only of these words are generic ("上级党委", "区委", "有关部门", a report's own
# "局党委", "集团党委", "我中心"), not a claim.
_GENERIC = re.compile(
    "(?:上级|各级|本级|同级|有关|相关|主管|职能|业务|牵头|责任|基层|各|本|我|全|省|市|区|县|州|旗|盟|乡镇|乡|镇|"
    "街道|村|社区|中央|地方|党|机关|集团|公司|局|支部|总支)*"
    "(?:委员会|人民政府|政府|党委|党组|党工委|总支|支部|党支部|委|部|部门|单位|机关|组织|党组织|局|办|中心|"
    "学校|中小学|卫生院|居委会|居委|业委会|业委|家委会|家委)"
)
_PLACE_LEVELS = "省市区县州盟旗镇乡村街"
_CLASSIFIERS = "个所家座批支类名位"
_CJK = re.compile("[\u3400-\u9fff]+")
_MAX_NAME = 24
_MAX_PART = 8  # how far past a name's end a following part ("组织部") may reach


def extract_quotes(text: str) -> list[Mention]:
    """Every 《title》 and “quotation” in ``text``, outermost spans, in order."""
    found: list[Mention] = []
    for pattern in _QUOTES:
        for match in pattern.finditer(text):
            found.append(Mention(match.group(0), match.start(), match.end(), match.group(1).strip()))
    return sorted(found, key=lambda m: (m.start, -m.end))


def extract_names(text: str) -> list[Mention]:
    """Organisation names in ``text`` ("区民政局", "市卫生健康委员会"), generic ones left out."""
    found: list[Mention] = []
    for run in _CJK.finditer(text):
        words, offset = run.group(0), run.start()
        if offset and text[offset - 1].isdigit() and words[0] in _CLASSIFIERS:
            words, offset = words[1:], offset + 1  # "3个社区党委": the count is not part of the name
        found.extend(_names_in_run(words, offset))
    return found


def _names_in_run(run: str, offset: int) -> list[Mention]:
    names: list[Mention] = []
    floor = 0  # a name never reaches back into the previous one
    i = 0
    while i < len(run):
        suffix = _suffix_at(run, i)
        if suffix is None:
            i += 1
            continue
        end = i + len(suffix)
        start = max(floor, end - _MAX_NAME)
        candidate = run[start:end]
        cuts = list(_LEFT_CUT.finditer(candidate))
        if cuts:
            start += cuts[-1].end()
            candidate = run[start:end]
        end = _extend(run, end)
        candidate = run[start:end]
        if (
            len(candidate) > len(suffix)
            and not _FALSE_ENDINGS.search(candidate)
            and not is_generic(candidate)
        ):
            names.append(Mention(candidate, offset + start, offset + end))
            floor = end
        i = end
    return names


def _extend(run: str, end: int) -> int:
    """Grow a name over directly following name parts: "区委" + "组织部", "区纪委" + "监委"."""
    while True:
        for j in range(end, min(len(run), end + _MAX_PART)):
            suffix = _suffix_at(run, j)
            if suffix is None:
                continue
            grown = run[end : j + len(suffix)]
            if _LEFT_CUT.search(grown) or _FALSE_ENDINGS.search(run[: j + len(suffix)]):
                return end
            end = j + len(suffix)
            break
        else:
            return end


def _suffix_at(run: str, i: int) -> str | None:
    for suffix in _SUFFIXES:
        if run.startswith(suffix, i):
            follower = run[i + len(suffix) : i + len(suffix) + 1]
            if follower and follower in _NOT_AFTER.get(suffix, ""):
                return None
            return suffix
    return None


def is_generic(name: str) -> bool:
    """Whether a name is only generic words ("上级党委", "区委", "有关部门")."""
    return _GENERIC.fullmatch(name) is not None


def name_supported(name: str, known_text: str, known_names: Collection[str] = ()) -> bool:
    """Whether the writer's text backs ``name``.

    ``known_text`` is everything the writer gave; ``known_names`` the names extracted from it.
    The extractor may keep a verb on the left ("完善网络学院"), so a tail of the name that is
    itself a known name also counts, unless the cut touches a place: neither "省卫生健康委员会"
    (known: "市卫生健康委员会") nor "青川区委组织部" (known: "区委组织部") is backed.
    """
    if name in known_text:
        return True
    for i in range(1, len(name) - 1):
        tail = name[i:]
        if name[i - 1] in _PLACE_LEVELS or tail[0] in _PLACE_LEVELS:
            continue
        if tail in known_names and not is_generic(tail):
            return True
    return False
