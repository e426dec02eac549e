"""Security services: signing in (attempt limits, sessions that end), user management and the run log.

May import what drafting.service may; the facade wires these next to the per-job services.
"""
