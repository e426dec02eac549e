"""Scoring prompt-template versions against fixed drafting cases.
May import the writing, checking, facts and outlines stages.
"""
