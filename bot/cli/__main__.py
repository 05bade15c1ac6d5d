"""`python -m bot.cli` is the same as `triage`."""

from bot.cli.app import main

main()
