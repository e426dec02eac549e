"""Gradio web UI. Lays out components and calls drafting.service; holds no logic of its own."""
