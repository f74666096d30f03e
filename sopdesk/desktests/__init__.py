"""Desk tests: scenarios run on the real engine (a throwaway database, a virtual clock)."""
