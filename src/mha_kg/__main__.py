"""`python -m mha_kg` is the same as the `mha-kg` command."""

from .cli.main import main

main()
