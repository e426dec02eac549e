"""What a text states that a reader could hold against the facts: numbers, dates, names, quoted titles,
found in Chinese official prose, and whether given evidence supports each. Used by checking (grounding)
and by outlines (a standard sentence must state nothing). Imports nothing from drafting.
"""
