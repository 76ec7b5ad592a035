"""`python -m mha_kg` is the same as the `mha-kg` command."""

from .cli import main

main()
