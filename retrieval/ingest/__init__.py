"""From a file to passages: loading (txt/md/docx/pdf), decoding, cleaning, structure, report metadata
and chunking. Pure functions over text; may import retrieval.documents and retrieval.errors only.
"""
