"""Persistence: drafts and their versions, reviews, accounts, the SQLite helper and draft JSON.
May import drafting.model, drafting.settings and retrieval's domain types only.
"""
