"""What Gradio's server spends on a handler's outputs, by kind: a plain value, a property update
(``gr.update(choices=…)``) and an output the handler leaves out of its answer (``gr.skip()``, or a
component missing from a returned dict, which Gradio turns into ``gr.skip()``).

    .venv/bin/python scripts/bench_gradio_outputs.py [--events 300]

Why it matters here: the draft page's handlers declare up to 31 outputs. Gradio builds a new
component, and its configuration, for every property update *and* for every skipped output, so
a streamed repaint that sends three values to 31 outputs pays for 28 rebuilds. This is why the
saving handlers declare only the outputs a new version changes (``DraftWorkspace.refresh_targets``)
and a generation streams to three outputs only (progress, editor, full text), the rest of the page
following once when the run is over (ui/draft/generation.py). Runs Gradio's own
``Blocks.postprocess_data`` on pages of 30, 15 and 3 components (HTML, dropdowns and text boxes in
turn), no server, one thread.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import gradio as gr
from gradio.state_holder import SessionState


def page(size: int = 30) -> tuple[gr.Blocks, list]:
    """A page whose one event declares ``size`` outputs: HTML, dropdowns and text boxes in turn."""
    kinds = (
        lambda: gr.HTML("x"),
        lambda: gr.Dropdown(choices=["a", "b"], value="a"),
        lambda: gr.Textbox("t"),
    )
    with gr.Blocks() as demo:
        components = [kinds[i % 3]() for i in range(size)]
        gr.Button().click(lambda: None, None, components)
    return demo, components


def per_event_ms(demo: gr.Blocks, answer: dict, events: int) -> float:
    fn, state = demo.fns[0], SessionState(demo)

    async def run(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            await demo.postprocess_data(fn, answer, state)
        return (time.perf_counter() - start) / n * 1000

    asyncio.run(run(20))  # warm: the session's first answer computes every component's config
    return asyncio.run(run(events))


def plain_values(components: list) -> dict:
    return {c: "a" if isinstance(c, gr.Dropdown) else "v" for c in components}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    wide, wide_components = page(30)
    narrow, narrow_components = page(15)
    streamed, streamed_components = page(3)
    plain = plain_values(wide_components)
    updates = {
        c: gr.update(choices=["a", "b", "c"], value="a")
        for c in wide_components
        if isinstance(c, gr.Dropdown)
    }
    cases = [
        ("30 outputs: 30 plain values", wide, plain),
        ("30 outputs: 20 plain values, 10 dropdown property updates", wide, {**plain, **updates}),
        ("30 outputs: 3 plain values, 27 left out", wide, plain_values(wide_components[:3])),
        ("15 outputs: 3 plain values, 12 left out", narrow, plain_values(narrow_components[:3])),
        ("3 outputs: 3 plain values", streamed, plain_values(streamed_components)),
    ]
    print(f"Gradio {gr.__version__}, Blocks.postprocess_data, {args.events} events each\n")
    print("| answer | ms per event |")
    print("|---|---|")
    for label, demo, answer in cases:
        print(f"| {label} | {per_event_ms(demo, answer, args.events):.2f} |")


if __name__ == "__main__":
    main()
