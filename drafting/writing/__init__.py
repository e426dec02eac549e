"""Writing sections: exemplar queries, prompt templates, chat models, the offline composer, the
section writer, assembly into a draft and the pipeline that runs them. May import facts, outlines,
checking, store and retrieval's domain types; never the service, CLI or UI.
"""
