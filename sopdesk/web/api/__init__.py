"""REST API routers under /api/v1, one module per resource.

Each route authenticates the caller, calls the check_*/do_* pair, and shapes the response.
"""
