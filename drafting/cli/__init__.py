"""The `drafter` command line: argparse front (main.py) and one module per group of subcommands.
May import the service layer and every stage below it; nothing imports the CLI.
"""
