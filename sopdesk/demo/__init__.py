"""The demo desk's data: a realistic day of customers, orders, partners, agents and cases.

It sits above the engine (it is a door like the CLI: every case it makes goes through the case
core), so nothing in sopdesk/engine imports it.
"""
