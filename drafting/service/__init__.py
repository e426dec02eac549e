"""The service layer the UI and CLI call: one service per job (drafts, editing, generation, reviews,
export, knowledge, prompts) sharing one access policy, held by the facade the UI imports.
May import every stage, the model and settings; never ui/ or cli/.
"""
