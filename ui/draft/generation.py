"""Generation on the writer's page: write one section or the whole draft, streamed as it arrives.

Text goes into the editor (one section) or the full-text view (whole draft) as the model writes;
the stop button cancels the run by its id. The buttons are laid out by ui/draft/writing.py.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from html import escape

import gradio as gr

from ui import render
from ui import text as T
from ui.draft.context import DraftContext
from ui.draft.writing import WritingPanel
from ui.handlers import guarded, notify, username

# A fast endpoint sends dozens of pieces a second, and each repaint re-renders the whole draft for
# the browser. One writer gets four repaints a second; the process's streams share that rate, each
# waiting at most MAX_REPAINT_INTERVAL_S, so twenty people generating at once slow no one's clicks.
REPAINT_INTERVAL_S = 0.25
MAX_REPAINT_INTERVAL_S = 2.0


class RepaintPacer:
    """Says whether a streamed piece repaints the page now or waits for the next repaint.

    Used as a context manager around a stream, it counts among the process's active streams."""

    _active = 0
    _lock = threading.Lock()

    def __init__(self, interval_s: float = REPAINT_INTERVAL_S, clock: Callable[[], float] = time.monotonic):
        self.interval_s, self.clock = interval_s, clock
        self.last: float | None = None

    def __enter__(self) -> RepaintPacer:
        with RepaintPacer._lock:
            RepaintPacer._active += 1
        return self

    def __exit__(self, *_exc: object) -> None:
        with RepaintPacer._lock:
            RepaintPacer._active -= 1

    def interval(self) -> float:
        return min(MAX_REPAINT_INTERVAL_S, self.interval_s * max(1, RepaintPacer._active))

    def due(self) -> bool:
        return self.last is None or self.clock() - self.last >= self.interval()

    def painted(self) -> None:
        self.last = self.clock()


def warn(message: str) -> None:
    # A toast, not gr.Error: an error would mark every one of the page's outputs with a red badge.
    gr.Warning(escape(message), title=T.ERROR_TITLE)


def wire(page: DraftContext, writing: WritingPanel) -> None:
    """Generate a section or the whole draft from the writing tab's buttons; stop a run."""
    service = page.service
    progress, editor, full = writing.progress, writing.editor, writing.full

    def new_run() -> str:
        return uuid.uuid4().hex

    def _stream(
        request: gr.Request,
        did: str,
        key: str | None,
        plan_data: dict,
        choice_data: dict,
        rid: str,
        whole: bool,
    ) -> Iterator[dict]:
        if not did:
            warn(T.NEED_PREPARE)
            yield {progress: gr.skip()}
            return
        user = username(request)
        order = plan_data.get("order") or []
        labels = {k: v["label"] for k, v in (plan_data.get("sections") or {}).items()}
        texts: dict[str, str] = {}
        done, total = 0, len(order) if whole else 1
        yield {progress: render.progress_html(0, total, T.PROGRESS_WAITING)}
        with RepaintPacer() as pacer:  # one of the process's streams while it runs
            for event in service.generation.generate(
                user, did, keys=None if whole else [key or ""], choices=choice_data, run_id=rid
            ):
                if event.kind == "delta" and event.key:
                    texts[event.key] = texts.get(event.key, "") + event.text
                    if not pacer.due():
                        continue  # shown with the next repaint; a section's end always repaints
                elif event.kind == "done" and event.section is not None:
                    texts[event.section.key] = "\n".join(p.text for p in event.section.paragraphs)
                    continue  # the progress event that follows every section's end repaints
                elif event.kind == "progress":
                    done, total = event.done, max(event.total, 1)
                elif event.kind == "finished" and event.draft is not None:
                    notify(T.GENERATED.format(version=event.draft.version))
                    yield {progress: render.draft_progress_html(event.draft)}
                    return  # the saved draft is shown by on_run_over, chained after this
                elif event.kind in ("cancelled", "error"):
                    # Nothing was saved: on_run_over puts the saved draft back (the streamed text is
                    # gone with the run); the bar says why.
                    note = (
                        T.CANCELLED_NOTHING
                        if event.kind == "cancelled"
                        else T.GENERATION_FAILED.format(error=event.text)
                    )
                    (notify if event.kind == "cancelled" else warn)(note)
                    yield {progress: render.progress_html(done, total, note)}
                    return
                else:
                    continue  # a section starting or failing shows nothing new until its progress
                update: dict = {progress: render.progress_html(done, total)}
                if key in texts:
                    update[editor] = texts[key]
                if whole:
                    update[full] = render.streaming_html([(k, labels.get(k, k)) for k in order], texts)
                pacer.painted()
                yield update

    @guarded
    def on_generate_section(
        request: gr.Request, did: str, key: str, plan_data: dict, choice_data: dict, rid: str
    ):
        if not key:
            warn(T.NEED_PREPARE)
            yield {writing.progress: gr.skip()}
            return
        yield from _stream(request, did, key, plan_data, choice_data, rid, whole=False)

    @guarded
    def on_generate_all(
        request: gr.Request, did: str, key: str, plan_data: dict, choice_data: dict, rid: str
    ):
        yield from _stream(request, did, key, plan_data, choice_data, rid, whole=True)

    @guarded
    def on_run_over(request: gr.Request, did: str, key: str):
        if not did:
            return {}
        user = username(request)
        shown = page.refresh(user, service.drafts.open_draft(user, did), key)
        return {target: value for target, value in shown.items() if target is not progress}

    def on_cancel(request: gr.Request, rid: str):
        if rid:
            service.generation.cancel(username(request), rid)

    gen_inputs = [page.draft_id, writing.section, page.plans, page.choices, page.run_id]
    # A run streams only what changes while it runs. Gradio rebuilds every output an answer leaves
    # out, so a stream declaring the whole refresh paid for twelve rebuilds per repaint (6-10 ms a
    # repaint against 0.5 ms for three outputs, on the event loop every page shares:
    # scripts/bench_gradio_outputs.py); the rest of the page follows the run's end once, in
    # on_run_over.
    streamed = [progress, editor, full]
    after_run = [target for target in page.refresh_targets if target is not progress]
    # Generation shares one concurrency group so a few long runs cannot starve quick clicks.
    writing.gen_one.click(new_run, None, [page.run_id]).then(
        on_generate_section, gen_inputs, streamed, concurrency_id="generation", show_progress="hidden"
    ).then(on_run_over, [page.draft_id, writing.section], after_run, show_progress="hidden")
    # Named endpoints: scripts/load_test.py drives them through gradio_client, as a browser would.
    writing.gen_all.click(new_run, None, [page.run_id]).then(
        on_generate_all,
        gen_inputs,
        streamed,
        concurrency_id="generation",
        show_progress="hidden",
        api_name="generate_all",
    ).then(
        on_run_over, [page.draft_id, writing.section], after_run, show_progress="hidden", api_name="run_over"
    )
    writing.stop_btn.click(on_cancel, [page.run_id], None, concurrency_limit=None)
