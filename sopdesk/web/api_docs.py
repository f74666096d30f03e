"""The interactive API docs at /docs, served from the package: no CDN, works offline.

Swagger UI's files come from the pinned `swagger-ui-bundle` package, mounted at /docs-assets.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from sopdesk.web.permissions import needs

ASSETS = "/docs-assets"


def install_api_docs(app: FastAPI) -> None:
    """Adds /docs (Swagger UI over /openapi.json) with its scripts and styles from the package."""
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False, dependencies=[needs("public")])
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
