"""Pure domain logic of sopdesk: the rules of the seed SOPs, with no I/O.

See README.md beside this file for the one rule of this package.
"""
