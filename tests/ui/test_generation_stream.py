"""What a generation sends to the browser, read through the endpoints the browser uses
(gradio_client): the stream carries only the progress bar, the editor and the full text, and the
rest of the page follows once, when the run is over.

Gradio rebuilds every declared output an answer leaves out; a stream that declared the whole page
paid for a dozen rebuilds per repaint on the event loop every session shares."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.ui.conftest import PASSWORD, REPO, Server

sys.path.insert(0, str(REPO / "scripts"))

from load_ui import prepare_draft, signed_in_client  # noqa: E402

FACTS = [
    ["工作", "干部教育培训", "举办科级干部培训班3期，培训干部180人次"],
    ["工作", "基层组织建设", "完成12个软弱涣散村党组织整顿"],
    ["问题", "", "基层党组织书记年龄结构偏大"],
    ["计划", "干部教育培训", "下半年再举办专题培训班2期"],
]


def test_a_run_streams_three_outputs_and_the_page_follows_when_it_is_over(
    server: Server, tmp_path: Path
) -> None:
    # A writer of its own: other tests count their writers' drafts.
    client = signed_in_client(server.url, "writer5", tmp_path, password=PASSWORD)
    prepare_draft(client, FACTS, "流式测试单位")
    job = client.submit(None, api_name="/generate_all")
    job.result(timeout=120)
    streamed = job.outputs()
    assert streamed, "the run sent nothing"
    assert all(len(message) == 3 for message in streamed)  # progress, editor, full text
    progress = streamed[-1][0]
    assert "已完成" in progress and "停止" not in progress

    status, editor, _info, _notes, full, _flags, versions, *_ = client.predict(None, api_name="/run_over")
    assert "第 2 版" in status  # version 1 holds the prepared facts, version 2 the generated draft
    assert editor.strip() and editor.split("，")[0] in full  # the first section, in the saved draft
    assert versions["value"] == 2 and [c[1] for c in versions["choices"]] == [2, 1]
