"""This period's facts: the fact sheet (YAML/JSON), its plain-text form and the UI's facts table.
May import drafting.model, drafting.settings and retrieval's domain types only.
"""
