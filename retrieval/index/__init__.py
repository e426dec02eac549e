"""Where passages are kept: the SQLite catalog, the BM25 lexical index and its snapshot, the
embedder and the vector store. May import retrieval.documents and retrieval.ingest.
"""
