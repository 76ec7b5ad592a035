"""The `mha-kg` command: one click group (`main.py`), each command a few lines over the stages.

The last stage: it may import every other one, and nothing imports it.
"""
