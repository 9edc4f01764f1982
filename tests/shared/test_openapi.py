"""The OpenAPI document documents problems, not FastAPI's own error shape."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from meriter_shared.openapi import install_openapi, problems


class Thing(BaseModel):
    name: str


def documented() -> dict[str, object]:
    app = FastAPI()

    @app.get("/things/{name}", responses=problems(404))
    async def read(name: str) -> Thing:
        return Thing(name=name)

    @app.post("/things", dependencies=[Depends(HTTPBearer())])
    async def create(thing: Thing) -> Thing:
        return thing

    install_openapi(app)
    return app.openapi()


def test_every_operation_documents_the_kernels_problems_as_problem_json() -> None:
    doc = documented()
    paths: dict[str, dict[str, dict[str, dict[str, dict[str, object]]]]] = doc["paths"]  # type: ignore[assignment]
    read = paths["/things/{name}"]["get"]["responses"]
    create = paths["/things"]["post"]["responses"]
    assert set(read) == {"200", "400", "404", "413", "422"}
    assert set(create) == {"200", "400", "401", "403", "413", "422"}
    for response in (*read.values(), *create.values()):
        content = response.get("content", {})
        if "application/problem+json" in content:  # type: ignore[operator]
            assert "application/json" not in content  # type: ignore[operator]


def test_fastapis_validation_error_shape_is_gone() -> None:
    schemas = documented()["components"]["schemas"]  # type: ignore[index]
    assert "Problem" in schemas
    assert "HTTPValidationError" not in schemas
