"""Query understanding (synonyms, part cues) and score fusion.
May import retrieval.documents and retrieval.index.
"""
