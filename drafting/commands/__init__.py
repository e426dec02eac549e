"""Subcommands of the `drafter` CLI, one module per area."""
