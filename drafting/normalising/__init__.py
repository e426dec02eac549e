"""Answer normalisation: turns a chat model's raw answer into clean, outline-styled paragraphs.

Pure functions over text; imports only drafting.model, drafting.settings-free data files and yaml.
"""
