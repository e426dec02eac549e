"""The retrieval query for a section's exemplars.

The prompt's variables come from ``sections.section_variables``; this module decides what past
passages are searched for. The UI keys the writer's pinned and dropped exemplars by this query,
so both must compute it the same way: here, once.
"""

from __future__ import annotations

from drafting.model import FactSheet
from drafting.outlines.planning import SectionSpec

MAX_QUERY_CHARS = 240


def exemplar_query(spec: SectionSpec, sheet: FactSheet) -> str:
    """The search text for a section's exemplars: its area (or heading, or what the outline
    asks of the part) followed by its facts, cut to a length the lexical index handles well."""
    head = spec.area or spec.heading or spec.outline_part.must_contain
    text = " ".join([head or "", *(f.text for f in spec.facts)]).strip()
    return text[:MAX_QUERY_CHARS]
