"""The standard report outlines (data files in prompts/outlines/) and planning a fact sheet into sections
(with the slot values and title the outline's patterns are filled with). May import drafting.mentions,
drafting.model, drafting.settings and retrieval's domain types; never facts or a later stage.
"""
