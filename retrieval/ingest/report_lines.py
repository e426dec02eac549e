"""Does a line look like part of a 公文, or like the website, shop or page around it?

A line of a report is a title ("…2025年上半年工作总结"), prose (long, punctuated), a numbered or
short part heading, an addressee ("县人民政府："), a greeting ("同志们："), a speaker or date line,
a signature or a closing formula ("特此汇报。"). What sites wrap around it has other shapes: slogans
and site names, bracketed notices (【…】), contact labels with empty values ("会员群：　　免费QQ群："),
navigation ("当前位置：首页 > …", "上一篇：…"), a contact id next to marketing words, copyright
tails. The cleaner (retrieval.ingest.cleaning) and the block finder (retrieval.ingest.edges) decide
with these judgements; nothing here removes anything.
"""

from __future__ import annotations

import re

from retrieval.ingest.shapes import SENTENCE_END, heading_marker, is_date_line, is_page_number

CONTACT = re.compile(
    r"(?:qq|扣扣)\s*(?:号|群)?\s*[:：]?\s*\d[\dxX*]{4,}"
    r"|(?:微信|vx|wx|weixin|v信)\s*号?\s*[:：]?\s*[A-Za-z][-_A-Za-z0-9]{4,}"
    r"|(?<!\d)1[3-9]\d{9}(?!\d)|\d{3,4}-\d{7,8}"
    r"|https?://|www\.|[A-Za-z0-9-]{1,63}\.(?:com|cn|net|org)\b|[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}\.[A-Za-z]{2,}",
    re.IGNORECASE,
)
MARKETING = (
    "下载", "会员", "付费", "范文", "精品", "代写", "原创", "咨询", "获取", "更多", "完整版", "专享",
    "复制", "文库", "扫码", "公众号", "免费", "vip", "上传", "仅供", "本文档", "本站", "网站", "加群",
    "联系", "收藏", "点击", "访问", "加密", "广告", "推广", "客服", "订阅", "关注", "积分", "投稿",
    "网友", "域名", "侵权",
)  # fmt: skip
COPYRIGHT = re.compile(
    r"版权所有|版权归|©|\(c\)|copyright|all rights reserved|侵权必究|转载请注明|如有侵权"
    r"|未经.{0,10}(?:许可|授权|同意).{0,10}(?:转载|复制|使用|传播|摘编)",
    re.IGNORECASE,
)
# Navigation and article furniture of web pages: breadcrumbs, previous/next links, editor lines.
SITE_FURNITURE = re.compile(
    r"^[（(【\[]?\s*(?:当前位置|您的位置|你的位置|位置|首页|上一篇|下一篇|上一页|下一页|相关推荐|相关文章|相关阅读"
    r"|热门文章|热门推荐|猜你喜欢|推荐阅读|延伸阅读|分享到|分享|标签|关键词|来源|文章来源|责任编辑|编辑|作者"
    r"|发布时间|发布日期|更新时间|浏览次数|浏览|阅读量|阅读|点击数|点击量|字号|打印本页|关闭窗口|返回顶部|返回首页"
    r"|温馨提示|友情提示|特别提示|免责声明|声明)\s*[：:>＞|｜]"
    r"|打印本页|关闭窗口|返回顶部|返回首页|字号[：:]?\s*[大中小]"
    r"|^[（(]\s*(?:完|全文完|本文完)\s*[）)]$"
)
# "会员群：　　　免费QQ群：" — a row of labels whose values were stripped by the copier.
_EMPTY_LABELS = re.compile(r"^(?:[\u4e00-\u9fffA-Za-z]{1,8}[：:][\s\u3000]*)+$")
_NOTICE = re.compile(r"^[【\[][^】\]]{1,12}[】\]]")
_DECORATION = re.compile(r"[★☆◆◇■□●○▲△▼▽※→←↑↓♦♥♠♣✓✔☞☛|｜>＞»«]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PUNCTUATION = re.compile(r"[，。；：！？、,;:!?|｜<>＜＞【】\[\]★☆]")

# Words a report title ends with (before an optional bracketed note such as "（摘要）").
TITLE_KIND = re.compile(
    r"(?:总结|计划|汇报|讲话|报告|要点|安排|打算|方案|意见|致辞|发言|情况|思路|讲稿|述职|小结|规划|重点)"
    r"(?:[（(][^）)]{1,12}[）)])?$"
)
_TITLE_HINT = re.compile(
    r"(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4}年|半年|季度|年度|全年|年终|在.{2,30}(?:会|式|班|典礼)"
)
ORG_SUFFIX = re.compile(
    r"(?:局|委|委员会|会|院|办|办公室|府|政府|公司|集团|街道|镇|乡|村|社区|学校|小学|中学|大学|学院|医院|中心|部|厅"
    r"|处|所|站|队|行|支行|分行|党委|党组|党工委|法院|检察院|协会|联合会|总工会|团委|妇联|科|股|馆|园|社)$"
)
GREETING = re.compile(
    r"^(?:同志们|各位[^：:，,]{0,10}|尊敬的[^：:]{1,20}|女士们、先生们|老师们、同学们|朋友们)[：:]$"
)
CLOSING_FORMULA = re.compile(
    r"^(?:特此(?:汇报|报告|报告如下)|以上报告|妥否|当否|谢谢(?:大家|各位)?)[^。]{0,12}[。！!]?$"
)
_UNPUNCTUATED = re.compile(r"^[^，。；：！？、,;:!?]+$")


def marketing_words(text: str) -> int:
    """How many marketing words the line holds ("会员", "下载", "扫码"…)."""
    lowered = text.lower()
    return sum(1 for word in MARKETING if word in lowered)


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def is_prose(text: str) -> bool:
    """Report prose: a long run of Chinese that ends a sentence or carries several clauses."""
    return cjk_count(text) >= 20 and (text.endswith(tuple(SENTENCE_END + "；;")) or text.count("，") >= 2)


def looks_like_title(text: str) -> bool:
    """The shape of a report title: a document-kind word at the end, no sentence punctuation, no
    site marks, and a year, period, meeting or organisation in it (or a 关于… form)."""
    text = text.strip()
    if not (6 <= len(text) <= 80) or not TITLE_KIND.search(text):
        return False
    if _PUNCTUATION.search(re.sub(r"[（(][^）)]{1,12}[）)]$", "", text)) or CONTACT.search(text):
        return False
    if marketing_words(text) or SITE_FURNITURE.search(text) or heading_marker(text):
        return False
    if cjk_count(text) < 0.7 * len(re.sub(r"[\d\s]", "", text)):
        return False
    return bool(_TITLE_HINT.search(text) or text.startswith("关于") or _has_org_prefix(text))


def _has_org_prefix(text: str) -> bool:
    return any(ORG_SUFFIX.search(text[:n]) for n in range(3, min(len(text) - 3, 30)))


def is_title_fragment(text: str) -> bool:
    """A first line of a title wrapped over two lines: an organisation ("临川燃气集团有限公司") or
    "关于…" with no punctuation and nothing of a site about it."""
    text = text.strip()
    return (
        2 <= len(text) <= 40
        and bool(_UNPUNCTUATED.match(text))
        and cjk_count(text) >= len(text) - 6
        and not noise_signals(text)
        and (bool(ORG_SUFFIX.search(text)) or text.startswith("关于"))
    )


def noise_signals(text: str) -> int:
    """How many marks of a website, shop or notice the line carries (0 for report lines)."""
    score = 0
    if CONTACT.search(text):
        score += 2
    score += min(marketing_words(text), 3)
    if COPYRIGHT.search(text):
        score += 2
    if SITE_FURNITURE.search(text):
        score += 2
    if _EMPTY_LABELS.match(text.strip()):
        score += 2
    if _NOTICE.match(text.strip()):
        score += 1
    if _DECORATION.search(text):
        score += 1
    return score


def is_report_line(text: str) -> bool:
    """Whether the line has a shape a report's own lines have (its words aside)."""
    text = text.strip()
    if not text or is_page_number(text):
        return False
    if is_prose(text) or looks_like_title(text) or is_date_line(text):
        return True
    if GREETING.match(text) or CLOSING_FORMULA.match(text):
        return True
    if heading_marker(text) and cjk_count(text) >= 3:
        return True
    if text.endswith(("：", ":")) and _UNPUNCTUATED.match(text[:-1].replace("、", "")) and len(text) <= 40:
        return not _EMPTY_LABELS.match(text) or bool(ORG_SUFFIX.search(text[:-1].split("、")[-1]))
    if ORG_SUFFIX.search(text) and _UNPUNCTUATED.match(text) and len(text) <= 30:
        return True  # a signature
    return cjk_count(text) >= 8 and text.endswith(tuple(SENTENCE_END))
