"""Every string the interface shows, in one place, so wording stays consistent across pages."""

from __future__ import annotations

APP_TITLE = "公文起草助手"
APP_SUBTITLE = "检索往年材料 · 分节起草 · 核对事实 · 送审 · 导出 Word"
AUTH_MESSAGE = (
    "<p>请使用管理员分配的账号登录。首次在本机启动时，管理员账号 admin 的密码显示在启动窗口中。</p>"
)
SIGNED_IN = "当前用户：**{name}**（{role}） · 撰写方式：{mode}"
LOGOUT = "退出登录"
SIGN_IN_TITLE = "登录 · 公文起草助手"
SIGN_IN_NAME = "用户名"
SIGN_IN_PASSWORD = "密码"
SIGN_IN_BUTTON = "登录"
SIGN_IN_ELSEWHERE = "请在登录页（/signin）登录。"
INTERNAL_ERROR = "操作失败：系统内部错误，已记入日志。请稍后重试或联系管理员。"
NOT_SIGNED_IN = "请先登录。"
ERROR_TITLE = "出错了"
INFO_TITLE = "提示"

TAB_DRAFT = "起草"
TAB_REVIEW = "审核"
TAB_KNOWLEDGE = "知识库"
TAB_PROMPTS = "提示词"

MODE_COMPOSER = "离线模板撰写"
MODE_LLM = "模型 {model}"
MODE_EDIT = "人工修改"

# ---------------------------------------------------------------- flags
FLAG_LABELS = {
    "unsupported_number": "数字无事实依据",
    "unsupported_quote": "引用无事实依据",
    "unsupported_name": "名称无事实依据",
    "verbatim_copy": "照抄往年材料",
    "placeholder": "待补充",
    "unused_fact": "事实未写入",
    "missing_part": "缺少部分",
}
NO_FLAGS = "核对通过：没有发现无依据的数字、名称或引用。"
FLAGS_COUNT = "核对发现 {n} 处需要注意："
FLAG_WHERE = "（{section} 第 {n} 段）"

# ---------------------------------------------------------------- draft page
DRAFT_PICK = "我的材料"
DRAFT_PICK_INFO = "自己起草的和别人共享给我的材料"
DRAFT_OPEN = "打开"
DRAFT_NEW = "新建材料"
DRAFT_REFRESH = "刷新列表"
NO_DRAFT = "还没有打开任何材料。请在“事实”中填写后点击“准备起草”，或从“我的材料”中打开。"
DRAFT_STATUS = "《{title}》 · 第 {version} 版 · {status} · 负责人：{owner}"
DRAFT_STATUS_NEW = "新材料（尚未生成）"
DRAFT_COUNT = " · 我可以打开的材料：{n} 份"
READ_ONLY = "（只读：这份材料由他人负责）"

STEP_FACTS = "① 基本信息和事实"
STEP_WRITE = "② 分节起草"
STEP_VERSIONS = "③ 全文和版本"
STEP_EXPORT = "④ 导出"
STEP_REVIEW = "⑤ 批注和送审"

KIND = "材料类型"
ORG = "单位"
ORG_PLACEHOLDER = "例如：青川区委组织部"
PERIOD = "时期"
PERIOD_PLACEHOLDER = "例如：2026年上半年"
NEXT_PERIOD = "下一时期（写计划用）"
NEXT_PERIOD_PLACEHOLDER = "例如：2026年下半年"
SUPERIOR = "上级（可不填）"
SUPERIOR_PLACEHOLDER = "例如：县委、县政府（写进“在…的坚强领导下”；不填按单位类型）"
PLAIN_HEADINGS = "小标题用方面名称原样"
DOC_DATE = "成文日期（可不填）"
DOC_DATE_PLACEHOLDER = "例如：2026年7月5日；不填则落款下留【待补充：成文日期】"
FACTS_TABLE = "事实表（每行一条事实）"
FACTS_HEADERS = ["部分", "方面", "事实"]
FACTS_TABLE_TAB = "表格录入"
FACTS_TEXT_TAB = "粘贴文本"
FACTS_TEXT = "事实文本"
FACTS_TEXT_PLACEHOLDER = (
    "【工作】\n干部教育培训：举办科级干部培训班3期，培训180人次\n"
    "【问题】\n基层党组织书记年龄结构偏大\n【计划】\n基层组织建设：推进村“两委”换届准备"
)
FACTS_TEXT_HELP = (
    "每行一条事实，可写“方面：事实”；用【工作】【问题】【计划】等标记切换部分。"
    "方面后可加（小标题：……）自拟小标题，计划的方面可加（回应：1）对应第1条问题；开头可写“上级：……”。"
)
FACTS_PARSE = "解析文本到事实表"
FACTS_INVALID = "事实有误，请修改后重试：\n{error}"
FACTS_PARSED = "已解析 {n} 条事实：{summary}"
FACTS_PART_HINT = (
    "“部分”可填：开头、工作、问题、计划、结尾。“方面”后可加（小标题：……）自拟小标题，"
    "计划的方面可加（回应：1）或（回应：问题里的几个字）对应问题；同一方面写一次即可。"
)
PREPARE = "准备起草（检索往年材料）"
PREPARED = "已列出 {n} 节。可在“② 分节起草”中逐节查看参考段落并生成。"

SECTION = "小节"
SECTION_MODE = "撰写方式：{mode}"
SECTION_NOT_WRITTEN = "尚未生成"
EDITOR = "本节正文（可直接修改，每行一段）"
EXEMPLARS = "往年参考段落（仅供借鉴文风，不作内容来源）"
EXEMPLAR_HEADERS = ["固定", "排除", "来源", "时期", "部分", "得分", "内容"]
EXEMPLARS_NONE = "知识库中没有找到可参考的段落。"
REFRESH_EXEMPLARS = "重新检索"
GENERATE_SECTION = "生成本节"
GENERATE_ALL = "生成全文"
CANCEL = "停止生成"
SAVE_SECTION = "保存本节"
CHECK_SECTION = "核对本节"
SAVED = "已保存为第 {version} 版。"
CONFLICT_LOAD_THEIRS = "载入对方的版本（放弃我的修改）"
CONFLICT_KEEP_MINE = "保留我的修改，另存为新版本"
GENERATED = "已生成，保存为第 {version} 版。"
CANCELLED = "已停止。已完成的小节保留在第 {version} 版中。"
CANCELLED_NOTHING = "已停止，没有生成新的版本。"
GENERATION_FAILED = "生成失败：{error}"
SECTION_FAILED = "本节生成失败：{error}（可单独重新生成本节）"
SECTION_EMPTY = "（本节尚无内容）"
SECTION_WAITING = "（等待撰写……）"
PROGRESS = "已完成 {done}/{total} 节"
PROGRESS_WAITING = "等待开始"
NEED_PREPARE = "请先在“① 基本信息和事实”中点击“准备起草”。"
NEED_DRAFT = "请先生成或打开一份材料。"
FLAGS_TITLE = "本节核对结果（边写边查）"

FULL_TEXT = "全文"
VERSIONS = "历史版本"
VERSION_LABEL = "第 {number} 版 · {created} · {author} · {reason}"
REASONS = {"generate": "生成全文", "edit": "人工修改", "regenerate": "重新生成", "restore": "恢复"}
RESTORE = "恢复此版本"
RESTORED = "已把第 {old} 版恢复为第 {new} 版。"
DIFF_FROM = "比较：旧版本"
DIFF_TO = "新版本"
DIFF_RUN = "比较两个版本"
DIFF_HEAD = "第 {a} 版 → 第 {b} 版（绿色为新增，红色删除线为删去）"
DIFF_EMPTY = "选择两个版本后点击“比较两个版本”。"
DIFF_SAME = "两个版本内容相同。"

EXPORT = "生成 Word 文件"
EXPORT_COMMENTS = "把每段的依据写成 Word 批注"
DOWNLOAD = "下载 Word 文件"
EXPORTED = "已生成：{name}"
PREVIEW = "预览版式"
PREVIEW_PAGES = "版式预览（LibreOffice 渲染）"
PREVIEW_HTML = "版式预览（近似，未安装 LibreOffice 时显示）"

COMMENTS = "批注"
COMMENTS_NONE = "暂无批注。"
COMMENT_STATUS = {"open": "待处理", "resolved": "已解决"}
COMMENT_ITEM = "第 {version} 版 · {section} 第 {paragraph} 段 · {author}：{text}"
COMMENT_PICK = "选择批注"
COMMENT_RESOLVE = "标记为已解决"
COMMENT_REOPEN = "重新打开"
SUBMIT = "送审当前版本"
SUBMITTED = "已送审第 {version} 版。"
SHARE_WITH = "共享给（用户名）"
SHARE = "共享"
SHARED = "已共享给 {name}。"

# ---------------------------------------------------------------- review page
REVIEW_QUEUE = "待审材料"
REVIEW_OPEN = "打开"
REVIEW_REFRESH = "刷新"
REVIEW_NONE = "目前没有待审的材料。"
REVIEW_HINT = "点击左侧任一段落，右侧显示它依据的事实和往年段落，相同的文字以底色标出。"
REVIEW_SOURCES = "段落依据"
REVIEW_FACTS = "依据的事实"
REVIEW_PASSAGES = "参考的往年段落"
REVIEW_NO_FACTS = "这段没有对应的事实。"
REVIEW_NO_PASSAGES = "这段没有参考往年段落。"
REVIEW_PARAGRAPH = "所选段落"
MATCH_TITLE = "与所选段落相同的文字"
COMMENT_TEXT = "对所选段落的批注"
COMMENT_ADD = "添加批注"
COMMENT_ADDED = "已添加批注。"
COMMENT_NEED_PARAGRAPH = "请先在左侧点击要批注的段落。"
DECISION_NOTE = "审核意见（退回时必填）"
APPROVE = "审核通过"
RETURN = "退回修改"
APPROVED = "已审核通过第 {version} 版。"
RETURNED = "已退回第 {version} 版。"
REVIEW_EMPTY = (
    "尚未打开待审材料。请在上方“待审材料”中选择一份后点击“打开”；写作人员送审后，材料会出现在列表中。"
)
REVIEW_QUEUE_EMPTY = "目前没有待审的材料。写作人员送审后，材料会出现在“待审材料”中，点击“刷新”查看。"
REVIEW_QUEUE_WAITING = "有 {n} 份材料待审。请在“待审材料”中选择后点击“打开”。"

# ---------------------------------------------------------------- review loop (both sides)
HISTORY = "审核记录"
HISTORY_NONE = "尚未送审。"
HISTORY_HEADERS = ["时间", "操作", "版本", "人员", "意见", "当时未处理"]
RETURN_REASON = "审核人 {actor} 于 {at} 退回了第 {version} 版，原因："
OPEN_COMMENTS_HERE = "本节待处理批注 {n} 条："
OPEN_COMMENTS_ELSEWHERE = "其他小节还有 {n} 条待处理批注，见“⑤ 批注和送审”。"
CONFIRM_SUBMIT = "仍然送审"
CONFIRM_APPROVE = "仍然通过"
CONFIRM_CANCEL = "取消"
CONFIRM_CANCELLED = "已取消，没有送审或审核。"
SUBMITTED_OVERRIDE = "已送审第 {version} 版（送审时仍有{items}，已记入审核记录）。"
APPROVED_OVERRIDE = "已审核通过第 {version} 版（通过时仍有{items}，已记入审核记录）。"
CURRENT_SECTION = "当前小节：{label}"
PROGRESS_NOT_STARTED = "尚未生成"
PROGRESS_PARTIAL = "部分小节尚未生成"

# ---------------------------------------------------------------- knowledge page
KB_UPLOAD = "上传往年材料（可多选：.txt .md .docx .pdf）"
KB_INGEST = "入库"
KB_INGEST_NONE = "请先选择要上传的文件。"
KB_RESULTS = "入库结果"
KB_RESULT_HEADERS = ["文件", "结果", "段落数", "原因"]
KB_DOCS = "知识库中的文件"
KIND_LABELS = {
    "half-year": "半年总结",
    "year-end": "年度总结",
    "quarterly": "季度汇报",
    "speech": "讲话稿",
    "other": "其他",
}
KB_DOC_HEADERS = ["序号", "文件", "标题", "时期", "单位", "类型", "段落数", "入库时间", "待核对"]
KB_FIX = "更正标题、类型、期间和段落所属部分"
KB_FIX_TITLE = "标题"
KB_FIX_KIND = "类型"
KB_FIX_YEAR = "年份"
KB_FIX_PERIOD = "期间（如 2025年上半年）"
KB_FIX_ORG = "单位"
KB_FIX_SAVE = "保存更正"
KB_FIX_SAVED = "已更正：{title}（重新入库同一内容后仍保留）"
KB_FIX_YEAR_INVALID = "年份“{value}”无效，请填四位数字，或留空。"
KB_PASSAGES = "段落及所属部分"
KB_PASSAGE_HEADERS = ["段落", "部分", "小标题", "内容"]
KB_MOVE_PASSAGE = "要移动的段落"
KB_MOVE_HEADING = "或：整个标题（连同其下全部内容）"
KB_MOVE_PART = "改到"
KB_MOVE = "改到该部分"
KB_MOVE_NONE = "请先选择段落或标题。"
KB_MOVED = "已把 {count} 个段落改到“{part}”。"
KB_REFRESH = "刷新"
KB_DOC_PICK = "选择文件"
KB_DOC_OPEN = "查看"
KB_DOC_REMOVE = "删除（仅管理员）"
KB_DOC_REMOVED = "已删除：{name}"
KB_DOC_RECLEANED = "{status}：{name}（{reason}）"
KB_DOC_TEXT = "清洗后的正文"
KB_REMOVED_LINES = "清洗时删去的行"
KB_REMOVED_HEADERS = ["行号", "内容", "原因"]
KB_SEARCH = "检索"
KB_QUERY = "检索内容"
KB_QUERY_PLACEHOLDER = "例如：干部培训办了几期"
KB_PART = "部分"
KB_YEAR = "年份"
KB_YEAR_PLACEHOLDER = "如 2025，可不填"
KB_YEAR_INVALID = "年份“{value}”无效，请填四位数字，如 2025。"
KB_ORG = "单位包含"
KB_K = "条数"
KB_ANY = "不限"
KB_SEARCH_HEADERS = ["得分", "来源", "时期", "部分", "小标题", "内容"]
KB_SEARCH_NONE = "没有找到相关段落。"
KB_BACKGROUND_RUNNING = (
    "正在后台入库 {folder}：已完成 {percent}（{last}）。入库完成前，检索只覆盖已入库的材料。"
)
KB_BACKGROUND_STARTING = "正在后台入库 {folder}：正在读取文件。入库完成前，检索只覆盖已入库的材料。"
KB_BACKGROUND_DONE = "启动时的后台入库已完成。{summary}"
KB_SEARCH_RELATED = "同时按近义说法检索：{words}"
KB_SEARCH_PREFERS = "优先显示{parts}部分的段落"
KB_PROGRESS = "正在入库 {name}（{index}/{total}）"

# ---------------------------------------------------------------- prompts page
PROMPTS_PICK = "模板"
PROMPTS_VERSION = "版本"
PROMPTS_LOAD = "打开"
PROMPTS_TEXT = "模板内容"
PROMPTS_SAVE = "另存为新版本"
PROMPTS_SAVED = "已保存为 {name} 的新版本 {version}（网页保存，不在 prompts/ 目录中）。"
PROMPTS_HELP = (
    "修改后另存为新版本，旧版本保留；缺少变量会在生成时报错。只有提示词维护人可以保存。"
    "网页保存的版本放在数据目录里，不在程序的 prompts/ 目录中。"
)
PROMPTS_OFFLINE = (
    "当前为离线模板撰写：起草不调用模型，这里的提示词不起作用。"
    "管理员在“模型设置”中配置模型后，生成才会使用这些提示词。"
)
PROMPTS_ONLINE = "当前起草使用{mode}：生成时使用各模板的当前版本。"
PROMPTS_VERSION_SHIPPED = "{version}（prompts/）"
PROMPTS_VERSION_SAVED = "{version}（网页保存）"
PROMPTS_ORIGIN_SAVED = (
    "网页保存的版本 {versions} 位于 `{folder}`。满意的版本请复制到 `prompts/templates/{name}/` 并提交，"
    "才会随程序发布。"
)

# ---------------------------------------------------------------- model settings page (admin)
TAB_MODEL = "模型设置"
TAB_USERS = "用户管理"
TAB_RUN_LOG = "操作日志"
ADMIN_USERS_HELP = "新增用户时系统生成初始密码，只显示一次，请当面或用可靠方式交给本人。停用的账号保留其材料和记录，但不能再登录。"
ADMIN_USER_HEADERS = ["用户名", "角色", "状态", "创建时间"]
ADMIN_ENABLED = "正常"
ADMIN_DISABLED = "已停用"
ADMIN_NEW_NAME = "新用户名"
ADMIN_ROLE = "角色"
ADMIN_ADD = "新增用户"
ADMIN_TARGET = "选择用户"
ADMIN_SET_ROLE = "修改角色"
ADMIN_DISABLE = "停用"
ADMIN_ENABLE = "启用"
ADMIN_RESET = "重置密码"
ADMIN_PICK = "请先选择用户。"
ADMIN_PICK_ROLE = "请先选择用户和新角色。"
ADMIN_ADDED = "已新增用户 {name}。"
ADMIN_ENABLED_DONE = "已启用 {name}。"
ADMIN_DISABLED_DONE = "已停用 {name}，其登录已失效。"
ADMIN_ROLE_DONE = "{name} 的角色已改为{role}。"
ADMIN_PASSWORD_ONCE = "**{name}** 的密码（只显示这一次）：`{password}`"
LOG_HELP = (
    "记录谁在何时做了什么：登录、上传、删除、生成、修改、导出、发布提示词、用户和模型设置的变更。最新的在前。"
)
LOG_USER = "用户"
LOG_ACTION = "操作"
LOG_ALL = "全部"
LOG_SINCE = "起始日期"
LOG_UNTIL = "截止日期"
LOG_SHOW = "查询"
LOG_PREV = "上一页"
LOG_NEXT = "下一页"
LOG_STATUS = "第 {page}/{pages} 页，共 {total} 条"
LOG_HEADERS = ["时间", "用户", "操作", "对象", "说明", "结果"]
MODEL_HELP = (
    "设置起草所用的模型接口（任何 OpenAI 兼容接口）。保存后，之后的生成都使用这里的设置；"
    "密钥保存在数据目录中（仅本机管理员可读），保存后不再显示。"
    "没有模型账号时，可在服务器上运行 `make local-model` 启动本机小模型，再把它打印的地址填在这里。"
)
MODEL_BASE_URL = "接口地址"
MODEL_BASE_URL_HINT = "https://api.example.com/v1"
MODEL_NAME = "模型名称"
MODEL_KEY = "访问密钥"
MODEL_KEY_HINT_SET = "已保存密钥（不显示）；留空则继续使用"
MODEL_KEY_HINT_UNSET = "没有密钥可留空"
MODEL_TEST = "测试连接"
MODEL_SAVE = "保存"
MODEL_CLEAR = "恢复默认"
MODEL_SAVED = "已保存，之后的生成使用 {model}。"
MODEL_CLEARED = "已清除网页设置，恢复配置文件或环境变量中的设置。"
MODEL_STATUS = "**起草方式：** {mode}  \n**设置来源：** {source}  \n**密钥：** {key}"
MODEL_KEY_SET = "已设置（不显示）"
MODEL_KEY_UNSET = "未设置"
MODEL_TEST_OK = "连接成功：用时 {seconds:.1f} 秒，模型回复“{reply}”。"
MODEL_TEST_FAILED = "连接失败（用时 {seconds:.1f} 秒）：{error}"

# Gradio's own words its Chinese (zh-CN) translation lacks, so they would show in English, plus
# "common.complete" and "common.upload", which no language of this Gradio translates (the raw
# key was shown). Passed
# to Gradio as gr.I18n translations; keys are Gradio's, values what the user sees.
GRADIO_ZH_CN = {
    "common.complete": "已完成",
    "common.upload": "上传",
    "common.download_all": "全部下载",
    "common.progress": "进度",
    "common.run": "运行",
    "common.runs": "运行记录",
    "common.runs_description": "查看本浏览器保存的运行记录",
    "common.back_to_app": "返回",
    "common.back_to_app_description": "返回应用",
    "common.record": "录制",
    "common.stop_recording": "停止录制",
    "common.screen_studio": "屏幕录制",
    "common.share_gradio_tab": "分享页面",
    "chatbot.complete": "已完成",
    "dataframe.import_empty_file": "拖入的文件是空的。",
    "dataframe.import_no_column_names": "拖入的文件没有列名。",
    "dataframe.import_ragged_row": "文件第 {line} 行有 {fields} 列，表头有 {columns} 列。",
    "dataframe.import_static_columns": "这张表的列不可修改，不能导入。",
    "dataframe.import_fixed_columns": "这张表只能有 {expected} 列，文件有 {actual} 列。",
    "dataframe.import_fixed_rows": "这张表只能有 {expected} 行，文件有 {actual} 行。",
    "dataframe.filter": "筛选",
    "dataframe.clear_filter": "清除筛选",
    "status.queue_position": "排队中：第 {position} 位，共 {size} 位",
}
