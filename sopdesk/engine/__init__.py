"""The engine applies domain decisions: one transaction per command, effects to the outbox.

Each capability has a check_* (load, authorise, validate) and a do_* (one transaction) pair.
"""
