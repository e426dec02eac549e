"""This period's facts: the fact sheet (mapping form), its plain-text form, facts files on disk and
the UI's facts table. May import outlines (a sheet's kind names an outline), drafting.model,
drafting.settings and retrieval's domain types and decoding.
"""
