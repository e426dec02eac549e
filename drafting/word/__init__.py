"""The Word file: GB/T 9704 layout, styles, export, rendering preview, and reading a .docx back.
May import drafting.model, settings and (reader only) facts, outlines, store and writing's assembly.
"""
