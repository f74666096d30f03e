"""The FastAPI application: REST API under /api/v1, pages, and authentication.

Routes translate HTTP to check_*/do_* calls and back; they decide nothing themselves.
"""
