"""Channels: how customers, partners and the team reach the desk and hear back from it.

Adapters only: they translate mail, chat and webhooks into engine calls and back.
"""
