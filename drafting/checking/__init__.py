"""Checking a draft against its sources: numbers, named bodies, quotes, copies of past passages,
and comparing texts. May import outlines, facts, drafting.model and retrieval's domain types.
"""
