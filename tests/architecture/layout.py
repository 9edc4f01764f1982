"""The house rules of a Meriter service, read from its source with ``ast``.

A service is a package ``services/<name>/meriter_<name>/``; an aggregate is a
sub-package of it holding an ``api.py``, ``service.py`` or ``repository.py``.
The rules (``../shared/guides/CONVENTIONS.md``, issue 21):

- ``api.py`` holds routes: it never imports its aggregate's ``repository``
  (reads and rules go through ``service.py``);
- SQL is written only in ``repository.py`` (and migrations);
- ``authorize`` is called only in ``service.py``;
- an aggregate reaches another through that one's ``service.py`` (and the
  data shapes and adapters it publishes), never its ``repository.py`` or
  ``api.py``; the composition root (``app``, ``deps``, ``components``,
  ``consumers``, ``cli``) wires them all;
- every aggregate with a ``repository.py`` has a rules-tier test file
  (``tests/<service>/<aggregate>/test_*rules*.py``);
- no service imports another service, and the engine (``meriter_credentials``)
  imports nothing of the kernel or the services.

Each violation says where the code should go.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "issuer", "verifier", "notifier")
_SHARED = ("meriter_shared", "meriter_credentials")
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+(TABLE|INDEX)|ON\s+CONFLICT)\b",
    re.S,
)


@dataclass(frozen=True)
class Module:
    path: Path
    package: str  # dotted name of the module's package
    name: str  # dotted module name
    aggregate: str | None  # the aggregate it belongs to, if any
    tree: ast.Module


def service_root(service: str, root: Path = ROOT) -> Path:
    return root / "services" / service / f"meriter_{service}"


def aggregates(package_dir: Path) -> set[str]:
    return {
        d.name
        for d in package_dir.iterdir()
        if d.is_dir()
        and d.name not in ("migrations", "__pycache__")
        and any((d / f).exists() for f in ("api.py", "service.py", "repository.py"))
    }


def modules(package_dir: Path) -> list[Module]:
    top = package_dir.name
    known = aggregates(package_dir)
    out = []
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir)
        if rel.parts[0] == "migrations":
            continue
        parts = [top, *rel.with_suffix("").parts]
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        aggregate = rel.parts[0] if len(rel.parts) > 1 and rel.parts[0] in known else None
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text("utf-8"), str(path))
        out.append(Module(path, package, name, aggregate, tree))
    return out


def _imports(module: Module) -> list[tuple[int, str]]:
    """Every module ``module`` imports, as absolute dotted names (``from x import y`` gives
    both ``x`` and ``x.y``, as y may be a module)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            found.append((node.lineno, origin))
            found.extend((node.lineno, f"{origin}.{a.name}") for a in node.names)
    return found


def _strings(tree: ast.Module) -> list[tuple[int, str]]:
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def _calls(tree: ast.Module, name: str) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            called = (
                f.id
                if isinstance(f, ast.Name)
                else f.attr
                if isinstance(f, ast.Attribute)
                else None
            )
            if called == name:
                lines.append(node.lineno)
    return lines


def violations(service: str, root: Path = ROOT) -> list[str]:
    package_dir = service_root(service, root)
    top = package_dir.name
    known = aggregates(package_dir)
    problems: list[str] = []
    for m in modules(package_dir):
        where = m.path.relative_to(root)
        leaf = m.path.name
        for line, imported in _imports(m):
            first = imported.split(".")[0]
            if first.startswith("meriter_") and first not in (
                top,
                "meriter_shared",
                "meriter_credentials",
            ):
                problems.append(
                    f"{where}:{line} imports {imported}: a service never imports another "
                    "service; meet it through events or move the shared code to the kernel"
                )
                continue
            if first != top:
                continue
            parts = imported.split(".")
            target = parts[1] if len(parts) > 1 else None
            if target not in known:
                continue  # service-wide modules: deps, errors, config, ...
            inner = parts[2] if len(parts) > 2 else None
            if m.aggregate is None:
                continue  # the composition root (app, deps, components, consumers, cli)
            if target != m.aggregate:
                if inner in ("repository", "api"):
                    problems.append(
                        f"{where}:{line} imports {imported}: an aggregate never reads another's "
                        f"{inner}.py; go through {top}.{target}.service (add what you need there)"
                    )
            elif leaf == "api.py" and inner == "repository":
                problems.append(
                    f"{where}:{line} imports {imported}: api.py holds routes only; move the "
                    "reads and rules to service.py, which calls repository.py"
                )
        if leaf != "repository.py":
            for line, text in _strings(m.tree):
                if SQL.search(text):
                    problems.append(
                        f"{where}:{line} writes SQL: SQL belongs in the aggregate's repository.py"
                    )
        if leaf != "service.py":
            for line in _calls(m.tree, "authorize"):
                problems.append(
                    f"{where}:{line} calls authorize: who may do what is decided in service.py"
                )
    tests = root / "tests" / service
    for aggregate in sorted(known):
        if (package_dir / aggregate / "repository.py").exists():
            folder = tests / aggregate
            if not (
                any(folder.glob("test_*rules*.py"))
                or any(folder.glob("rules/test_*.py"))
                or any((tests / "rules").glob(f"test_{aggregate}*.py"))
            ):
                problems.append(
                    f"{package_dir.relative_to(root)}/{aggregate} has a repository but no "
                    f"rules-tier test: add tests/{service}/{aggregate}/"
                    f"test_{aggregate}_rules.py or tests/{service}/rules/test_{aggregate}.py "
                    "(service functions on Postgres alone, no HTTP, no broker)"
                )
    return problems


def engine_violations(root: Path = ROOT) -> list[str]:
    engine = root / "shared" / "credentials" / "meriter_credentials"
    problems = []
    for path in sorted(engine.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        m = Module(path, "meriter_credentials", "meriter_credentials", None, tree)
        for line, imported in _imports(m):
            first = imported.split(".")[0]
            if first.startswith("meriter_") and first != "meriter_credentials":
                problems.append(
                    f"{path.relative_to(root)}:{line} imports {imported}: the engine installs "
                    "alone and imports nothing of the kernel or the services"
                )
    return problems


MAX_LINES = 500
# Modules allowed past MAX_LINES, each with its reason (README, "Where things live").
LARGE_MODULES = {
    "shared/credentials/meriter_credentials/jsonld/tordf.py": (
        "the fast JSON-LD walker: one pass with its compiled contexts and memo"
    ),
    "shared/credentials/meriter_credentials/jsonld/context.py": (
        "JSON-LD 1.1 context processing, the spec's algorithm step for step"
    ),
    "shared/credentials/meriter_credentials/jsonld/expand.py": (
        "JSON-LD 1.1 expansion, the spec's algorithm step for step"
    ),
}


def oversized(root: Path = ROOT) -> list[str]:
    """Modules of ``services/`` and ``shared/`` over ``MAX_LINES`` lines, but the named ones."""
    found = []
    for top in ("services", "shared"):
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if "/migrations/" in rel or rel in LARGE_MODULES:
                continue
            lines = path.read_text("utf-8").count("\n")
            if lines > MAX_LINES:
                found.append(
                    f"{rel} has {lines} lines (at most {MAX_LINES}): split it along its "
                    "responsibilities, one module each"
                )
    return found
