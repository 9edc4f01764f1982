"""API documentation pages, served by each service itself: Swagger UI at ``/docs``,
ReDoc at ``/redoc``.

FastAPI's own pages load their scripts, styles, favicon and fonts from public
CDNs, so on a machine without internet they stay blank. Here the assets come
from the pinned ``fastapi-standalone-docs`` distribution (Swagger UI and
ReDoc builds made to be served by the app) and are served under
:data:`ASSETS`.

Invariants: neither page names another host — every ``src`` and ``href`` is a
path on this service (under the request's ``root_path`` when the app is
mounted below a prefix); Swagger UI's validator badge, which would call
swagger.io, is off; ReDoc is told not to load Google Fonts. Nothing here
changes FastAPI globally (the pages are built per app), so two apps in one
process keep their own.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS = "/docs/assets"
SWAGGER_JS = f"{ASSETS}/swagger/swagger-ui-bundle.js"
SWAGGER_CSS = f"{ASSETS}/swagger/swagger-ui.css"
REDOC_JS = f"{ASSETS}/redoc/redoc.standalone.js"
FAVICON = f"{ASSETS}/fastapi/favicon.png"


def _static_root() -> Path:
    return Path(str(files("fastapi_standalone_docs") / "static"))


def install_docs(app: FastAPI) -> None:
    """``/docs`` and ``/redoc`` for ``app`` (built with ``docs_url=None, redoc_url=None``),
    their assets under :data:`ASSETS`."""
    static = _static_root()
    for part in ("swagger", "redoc", "fastapi"):
        app.mount(
            f"{ASSETS}/{part}", StaticFiles(directory=static / part), name=f"docs-assets-{part}"
        )
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} – API",
            swagger_js_url=root + SWAGGER_JS,
            swagger_css_url=root + SWAGGER_CSS,
            swagger_favicon_url=root + FAVICON,
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} – API",
            redoc_js_url=root + REDOC_JS,
            redoc_favicon_url=root + FAVICON,
            with_google_fonts=False,
        )
