"""Drafting engine: facts + outline + exemplars → grounded section drafts → Word file."""
