"""Checking a draft against its sources: unsupported numbers, names and quotes (found by drafting.mentions),
copies of past passages, and comparing texts. May import mentions, outlines, facts, normalising,
drafting.model and retrieval's domain types.
"""
