"""Knowledge base of past reports: ingestion, cleaning, structure, hybrid retrieval."""
