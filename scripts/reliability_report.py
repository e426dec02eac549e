"""What drafter survives: feed it hostile input and print a table of outcome, time and loss.

Every row is run here and now (nothing typed in): hostile files through the real loader, a mixed
batch through a knowledge base on the fakes with the real parser, a zip bomb in a child process
whose peak memory is measured, and text that must not break grounding or the Word export.
Runs in well under two minutes; tests/test_reliability_report.py runs it in the default suite.

    python scripts/reliability_report.py
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from reliability_faults import MODEL_CHECKS, STORE_CHECKS  # noqa: E402
from reliability_text import TEXT_CHECKS  # noqa: E402

from tests import hostile_files as hostile  # noqa: E402

# work folder -> (outcome, seconds the operation under test took, lost: "否" or what was lost);
# making the hostile file is not timed.
Check = Callable[[Path], tuple[str, float, str]]


BOMB_MB = 500


@dataclass
class Row:
    name: str
    outcome: str
    seconds: float
    lost: str


def _refused(make: Callable[[Path], Path], file_name: str) -> Check:
    """A hostile file must be refused with a message naming it, or read; nothing else."""

    def check(work: Path) -> tuple[str, str]:
        from retrieval.errors import DocumentError
        from retrieval.ingest.loaders import load_file

        path = make(work / file_name)
        started = time.perf_counter()
        try:
            doc = load_file(path)
        except DocumentError as exc:
            outcome = f"拒绝：{exc.reason}"
            if not str(exc).startswith(file_name):
                outcome = "错误：消息未指明文件 " + outcome
        else:
            outcome = f"读取 {len(doc.lines)} 行"
        return outcome, time.perf_counter() - started, "否"

    return check


def _bomb_memory(work: Path) -> tuple[str, float, str]:
    bomb = hostile.zip_bomb_docx(work / "bomb.docx", inflated_mb=BOMB_MB)
    code = (
        "import sys\nfrom pathlib import Path\nfrom retrieval.ingest.loaders import load_file\n"
        "try:\n    load_file(Path(sys.argv[1]))\nexcept Exception as exc:\n    print(type(exc).__name__)\n"
        # ru_maxrss survives exec (it would report the parent's peak); VmHWM belongs to this process.
        "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) // 1024)\n"
    )
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, cwd=PROJECT, timeout=120
    )
    seconds = time.perf_counter() - started
    name, peak = run.stdout.split()
    return f"{name}；子进程（含启动与导入）内存峰值 {peak} MB", seconds, "否"


def _mixed_batch(work: Path) -> tuple[str, float, str]:
    from retrieval.ingest.ingestion import FacadeParser
    from tests.knowledge_fixtures import make_kb

    folder = work / "batch"
    folder.mkdir()
    good = [
        shutil.copy(p, folder / p.name) for p in sorted((PROJECT / "corpus" / "reports").glob("*.txt"))[:5]
    ]
    hostile.zip_bomb_docx(folder / "炸弹.docx", inflated_mb=BOMB_MB)
    hostile.one_line_text(folder / "一行30MB.txt", mb=30)
    hostile.binary_as_text(folder / "二进制.txt")
    kb = make_kb(work, parser=FacadeParser())
    started = time.perf_counter()
    report = kb.ingest([folder])
    seconds = time.perf_counter() - started
    added = {Path(o.path).name for o in report.added}
    missing = [Path(p).name for p in good if Path(p).name not in added]
    failed = "、".join(sorted(Path(f.path).name for f in report.failed))
    return (
        f"入库 {len(added)}/5 份正常文件，{len(report.failed)} 份逐一报错（{failed}）",
        seconds,
        "否" if not missing else f"丢失 {len(missing)} 份",
    )


def _full_width_grounding(work: Path) -> tuple[str, float, str]:
    from drafting.mentions.numbers import extract_numbers

    started = time.perf_counter()
    full, ascii_ = (
        extract_numbers("完成项目３期，投入１２．５万元"),
        extract_numbers("完成项目3期，投入12.5万元"),
    )
    same = [m.key for m in full] == [m.key for m in ascii_]
    outcome = "３期＝3期，１２．５万元＝12.5万元" if same else "错误：全角数字与半角不等"
    return outcome, time.perf_counter() - started, "否"


def _illegal_xml_export(work: Path) -> tuple[str, float, str]:
    import docx

    from drafting.model import Draft, Paragraph, Section
    from drafting.word.export import DocxExporter

    text = "控制符\x01\x0b\x1f、代理项\ud800、非字符\ufffe、表情😀、繁體字、正文完。"
    section = Section("work:0", "work", "一、主要工作", 1, [Paragraph(text)])
    draft = Draft("测试2025年工作总结", "year-end", "测试单位", "2025年", [section])
    started = time.perf_counter()
    out = DocxExporter().export(draft, work / "导出.docx")
    body = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    kept = all(part in body for part in ("控制符", "表情😀", "繁體字", "正文完。"))
    outcome = "导出并重新打开，正文完整" if kept else "错误：正文缺失"
    return outcome, time.perf_counter() - started, "否" if kept else "正文缺失"


PLANTED_KEY = "sk-reliability-planted-0123456789"
MESSAGES = [
    {"role": "system", "content": "你是公文写作助手。"},
    {"role": "user", "content": "本期事实：\n- [work.0.1] 举办干部培训班3期\n- [work.0.2] 培训干部120人次"},
]


def _endpoint(fault: str | None, *, times: int = 1, streaming: bool = False, down: bool = False) -> Check:
    """The real openai client against the loopback stub with a fault injected: a ChatError with a
    Chinese message that does not show the API key, or an answer after the client's retries."""

    def check(work: Path) -> tuple[str, float, str]:
        from drafting.writing.chat import ChatError, OpenAIChatModel
        from drafting.writing.stub_llm import StubLLM

        with StubLLM(hang_s=5.0) as stub:
            url = stub.base_url
            if fault:
                stub.fail_next(fault, times=times)
            if down:
                stub.stop()
            model = OpenAIChatModel(
                base_url=url, model=stub.model, api_key=PLANTED_KEY, timeout_s=0.5, max_retries=2
            )
            started = time.perf_counter()
            try:
                text = "".join(model.stream(MESSAGES)) if streaming else model.complete(MESSAGES).text
                outcome = f"重试后成功（共 {len(stub.chat_requests)} 次请求），答案 {len(text)} 字"
            except ChatError as exc:
                outcome = f"报错[{exc.kind}]：{exc}"
                if PLANTED_KEY in str(exc) or PLANTED_KEY in repr(exc.__dict__):
                    outcome = "错误：消息中出现 API 密钥 " + outcome
            return outcome, time.perf_counter() - started, "否"

    return check


CHECKS: list[tuple[str, Check]] = [
    (
        f"zip 炸弹 .docx（解压 {BOMB_MB} MB）",
        _refused(lambda p: hostile.zip_bomb_docx(p, BOMB_MB), "炸弹.docx"),
    ),
    (f"zip 炸弹（{BOMB_MB} MB）读取时内存", _bomb_memory),
    ("伪造大小的 zip 炸弹", _refused(hostile.forged_size_docx, "伪造.docx")),
    ("PDF 炸弹（300 MB 内容流）", _refused(hostile.pdf_bomb, "炸弹.pdf")),
    ("30 MB 无换行文本", _refused(hostile.one_line_text, "一行.txt")),
    ("二进制数据改名 .txt", _refused(hostile.binary_as_text, "二进制.txt")),
    ("空文件", _refused(hostile.empty_file, "空.docx")),
    ("无 body 的 .docx", _refused(hostile.docx_without_body, "无正文.docx")),
    ("无文字层的 PDF", _refused(hostile.pdf_without_text, "扫描.pdf")),
    ("表格嵌套 7 层", _refused(lambda p: hostile.nested_tables_docx(p, 7), "嵌套.docx")),
    ("表格嵌套 300 层", _refused(lambda p: hostile.nested_tables_docx(p, 300), "深嵌套.docx")),
    ("UTF-8 与 GBK 混排", _refused(hostile.mixed_encoding_text, "混合.txt")),
    ("控制字符与零宽字符", _refused(hostile.control_characters_text, "控制符.txt")),
    ("一批：5 正常 + 炸弹 + 30 MB 一行 + 二进制", _mixed_batch),
    ("全角数字参与核对", _full_width_grounding),
    ("XML 非法字符导出 Word", _illegal_xml_export),
    ("模型端点：连接被拒", _endpoint(None, down=True)),
    ("模型端点：429 一次（Retry-After）", _endpoint("429")),
    ("模型端点：500 持续", _endpoint("500", times=3)),
    ("模型端点：超时（挂起）", _endpoint("hang", times=3)),
    ("模型端点：连接中途断开", _endpoint("drop", times=3)),
    ("模型端点：返回非 JSON", _endpoint("garbage")),
    ("模型端点：空 choices", _endpoint("empty_choices")),
    ("模型端点：流中夹杂坏数据", _endpoint("stream_garbage", streaming=True)),
    *MODEL_CHECKS,
    *STORE_CHECKS,
    *TEXT_CHECKS,
]


def run() -> list[Row]:
    rows = []
    for name, check in CHECKS:
        with tempfile.TemporaryDirectory(prefix="drafter-reliability-") as tmp:
            try:
                outcome, seconds, lost = check(Path(tmp))
            except Exception as exc:  # noqa: BLE001 - a crash is a row of the report, not the end of it
                outcome, seconds, lost = f"崩溃：{type(exc).__name__}: {exc}", 0.0, "未知"
            rows.append(Row(name, outcome, seconds, lost))
    return rows


def print_table(rows: list[Row]) -> None:
    print("| 故障/坏输入 | 结果 | 处理用时 (s) | 有无丢失 |")
    print("|---|---|---:|---|")
    for row in rows:
        print(f"| {row.name} | {row.outcome} | {row.seconds:.2f} | {row.lost} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"\n共 {len(rows)} 项；本进程内存峰值 {peak} MB。")


def main() -> int:
    rows = run()
    print_table(rows)
    bad = [r for r in rows if r.lost != "否" or r.outcome.startswith(("崩溃", "错误"))]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
