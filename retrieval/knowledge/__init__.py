"""The knowledge base: ingest batches into the indexes, re-cleaning, and hybrid search over them.
May import ingest, index and search.
"""
