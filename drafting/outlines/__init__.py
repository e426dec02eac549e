"""The standard report outlines (data files in prompts/outlines/) and planning a fact sheet into sections.
May import facts, checking's extractors, drafting.model and retrieval's domain types.
"""
