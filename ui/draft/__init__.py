"""The writer's draft page: the page itself (page.py), the workspace that refreshes it (workspace.py),
and one module per tab (facts, writing, generation, versions, export, comments). Panels see the
page through context.DraftContext only; nothing here imports the workspace except page.py.
"""
