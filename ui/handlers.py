"""Event-handler plumbing shared by the pages: who is signed in, and how errors reach the person.

A ServiceError carries a message meant for the user and becomes a gr.Error toast. Anything else is
a bug: it is logged with its traceback and the person sees one plain sentence, never a trace.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from html import escape
from typing import Any

import gradio as gr

from drafting.service.facade import ServiceError
from ui import text as T

log = logging.getLogger("ui")


def username(request: gr.Request | None) -> str | None:
    """The signed-in user's name from Gradio's request (None when the app runs without auth)."""
    return getattr(request, "username", None) if request is not None else None


def guarded(fn: Callable) -> Callable:
    """Wrap a handler (plain or generator) so errors become toasts with Chinese messages.

    functools.wraps keeps the signature and annotations, which Gradio reads to inject gr.Request
    and gr.Progress parameters.
    """
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def stream(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(*args, **kwargs)
            except ServiceError as exc:
                raise _error(str(exc)) from None
            except gr.Error:
                raise
            except Exception:
                log.exception("handler %s failed", fn.__name__)
                raise _error(T.INTERNAL_ERROR) from None

        return stream

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            raise _error(str(exc)) from None
        except gr.Error:
            raise
        except Exception:
            log.exception("handler %s failed", fn.__name__)
            raise _error(T.INTERNAL_ERROR) from None

    return call


def _error(message: str) -> gr.Error:
    # Gradio renders the message as HTML; it may quote user input, so escape it.
    return gr.Error(escape(message).replace("\n", "<br>"), title=T.ERROR_TITLE, print_exception=False)


def notify(message: str) -> None:
    """A short confirmation toast."""
    gr.Info(escape(message), duration=4, title=T.INFO_TITLE)
