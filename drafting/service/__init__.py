"""The service layer the UI and CLI call: one facade over the drafting stages and the knowledge base,
with access checks and the view objects the UI renders. May import every stage; never ui/ or cli/.
"""
