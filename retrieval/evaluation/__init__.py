"""Measuring the knowledge base on labelled query sets.
May import every retrieval package.
"""
