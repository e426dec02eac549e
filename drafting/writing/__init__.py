"""Writing sections: exemplar queries, prompt templates, chat models, the offline composer, the
section writer, assembly into a draft and the pipeline that runs the later stages in order.
May import mentions, outlines, facts, normalising, checking, store and retrieval's domain types;
never the service, CLI or UI.
"""
