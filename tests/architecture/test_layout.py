"""The house rules (``layout``) hold for every service and the engine, and a planted
violation of each rule fails with a message saying where the code should go."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import layout

PASSING = ("registry", "verifier", "issuer", "notifier")


@pytest.mark.parametrize("service", PASSING)
def test_a_service_keeps_its_house_rules(service: str) -> None:
    assert layout.violations(service) == []


def test_the_engine_imports_nothing_of_the_kernel_or_the_services() -> None:
    assert layout.engine_violations() == []


# --- the rules catch what they say they catch --------------------------------


def _plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


CLEAN = {
    "services/shop/meriter_shop/__init__.py": "",
    "services/shop/meriter_shop/app.py": (
        "from meriter_shop.orders.api import router\nfrom meriter_shop.orders import repository\n"
    ),
    "services/shop/meriter_shop/orders/__init__.py": "",
    "services/shop/meriter_shop/orders/api.py": "from meriter_shop.orders import service\n",
    "services/shop/meriter_shop/orders/service.py": (
        "from meriter_shared.auth import authorize\n"
        "from meriter_shop.orders import repository\n"
        "def place(p):\n    authorize(p)\n"
    ),
    "services/shop/meriter_shop/orders/repository.py": (
        'Q = "SELECT id FROM orders WHERE id = $1"\n'
    ),
    "services/shop/meriter_shop/bills/__init__.py": "",
    "services/shop/meriter_shop/bills/service.py": "from meriter_shop.orders import service\n",
    "tests/shop/orders/test_orders_rules.py": "",
    "shared/credentials/meriter_credentials/__init__.py": "",
}


def test_a_clean_planted_service_passes(tmp_path: Path) -> None:
    root = _plant(tmp_path, CLEAN)
    assert layout.violations("shop", root) == []
    assert layout.engine_violations(root) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"services/shop/meriter_shop/orders/api.py": "from .repository import Q\n"},
            "api.py holds routes only; move the reads and rules to service.py",
        ),
        (
            {
                "services/shop/meriter_shop/bills/service.py": (
                    "from meriter_shop.orders.repository import Q\n"
                )
            },
            "an aggregate never reads another's repository.py; go through "
            "meriter_shop.orders.service",
        ),
        (
            {
                "services/shop/meriter_shop/orders/service.py": (
                    'async def f(c):\n    await c.execute("DELETE FROM orders")\n'
                )
            },
            "writes SQL: SQL belongs in the aggregate's repository.py",
        ),
        (
            {
                "services/shop/meriter_shop/orders/api.py": (
                    "from meriter_shared.auth import authorize\ndef route(p):\n    authorize(p)\n"
                )
            },
            "calls authorize: who may do what is decided in service.py",
        ),
        (
            {"services/shop/meriter_shop/bills/repository.py": ""},
            "bills has a repository but no rules-tier test: add tests/shop/bills/",
        ),
        (
            {"services/shop/meriter_shop/bills/service.py": "import meriter_registry.qa\n"},
            "a service never imports another service",
        ),
    ],
)
def test_a_planted_violation_fails_saying_where_the_code_goes(
    tmp_path: Path, changes: dict[str, str], expected: str
) -> None:
    root = _plant(tmp_path, {**CLEAN, **changes})
    found = layout.violations("shop", root)
    assert any(expected in v for v in found), found


def test_the_engine_importing_the_kernel_is_caught(tmp_path: Path) -> None:
    root = _plant(
        tmp_path,
        {**CLEAN, "shared/credentials/meriter_credentials/x.py": "from meriter_shared import db\n"},
    )
    problems = layout.engine_violations(root)
    assert problems
    assert all("the engine installs alone" in p for p in problems)


def test_no_module_is_too_big_to_live_in() -> None:
    assert layout.oversized() == []


def test_every_large_module_allowed_is_named_in_the_readme() -> None:
    readme = (layout.ROOT / "README.md").read_text("utf-8")
    for path in layout.LARGE_MODULES:
        assert path.rsplit("/", 2)[-2] + "/" + path.rsplit("/", 1)[-1] in readme, path


def test_an_oversized_planted_module_is_caught(tmp_path: Path) -> None:
    root = _plant(tmp_path, {"services/shop/meriter_shop/big.py": "x = 1\n" * 501})
    (problem,) = layout.oversized(root)
    assert "big.py has 501 lines (at most 500)" in problem
