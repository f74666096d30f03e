"""Persistence: SQLAlchemy 2 tables, database set-up and Alembic migrations.

Adapters only translate; decisions live in sopdesk.domain and sopdesk.engine.
"""
