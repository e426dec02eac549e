"""Gradio web UI. Lays out components and calls drafting.service.facade; holds no logic of its own."""
