"""The pure clinical core: standard library and pydantic only.

Nothing here reads files, the clock, YAML, or imports Qt, reportlab or a database.
The clock, the rule set and the protocol are parameters.
"""
