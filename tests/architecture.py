"""The project's import rules that import-linter's own contract types cannot state.

- ``PublicModulesContract`` (contract type ``public_modules``, registered in pyproject.toml's
  ``[tool.importlinter]``): a domain app imports another domain app only through that app's
  public modules: a module whose path, below the app, has a component named ``selectors``,
  ``services``, ``events``, ``codes``, ``rules``, or a feed's ``format`` and ``parser``.
- ``private_imports``: a module imports no private name (``_Form``) and no private module
  (``eligibility._x``) of another top-level package of the project. import-linter sees modules,
  not names, so tests/test_architecture.py runs this check over the apps' sources.

This module imports neither Django nor the project: ``lint-imports`` (run from the repository's
root, which it puts on ``sys.path``) imports it to read the configuration.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from importlinter import Contract, ContractCheck, fields, output
from importlinter.application.contract_utils import AlertLevel, remove_ignored_imports


@dataclass(frozen=True, order=True)
class NonPublicImport:
    importer: str
    imported: str
    line_numbers: tuple[int | None, ...]
    line_contents: tuple[str, ...]


def is_public(module: str, app: str, public: frozenset[str] | set[str]) -> bool:
    """True when ``module`` (in ``app``) has, below the app, a component named as a public one."""
    below = module.split(".")[len(app.split(".")):]
    return any(component in public for component in below)


def app_of(module: str, apps) -> str | None:
    for app in apps:
        if module == app or module.startswith(app + "."):
            return app
    return None


def non_public_imports(graph, apps, public) -> list[NonPublicImport]:
    """Every direct import, in ``graph``, of a module of one app of ``apps`` by a module of
    another, where the imported module is not public."""
    found = []
    for importer_app in apps:
        importers = ({importer_app} | graph.find_descendants(importer_app)) if importer_app in graph.modules else set()
        for importer in importers:
            for imported in graph.find_modules_directly_imported_by(importer):
                imported_app = app_of(imported, apps)
                if imported_app is None or imported_app == importer_app or is_public(imported, imported_app, public):
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                found.append(NonPublicImport(
                    importer=importer,
                    imported=imported,
                    line_numbers=tuple(sorted({d["line_number"] for d in details})) or (None,),
                    line_contents=tuple(sorted({d["line_contents"] for d in details})),
                ))
    return sorted(found)


class PublicModulesContract(Contract):
    """A domain app imports another domain app only through its public modules.

    Configuration options:

        - apps:           the domain apps (top-level packages) the rule holds between.
        - public_names:   the names a component of a module's path (below its app) may have for
                          the module to be public.
        - ignore_imports: imports left out of the check, as for the built-in contract types.
        - unmatched_ignore_imports_alerting: as for the built-in contract types (default "error").
    """

    type_name = "public_modules"

    apps = fields.ListField(subfield=fields.ModuleField())
    public_names = fields.SetField(subfield=fields.StringField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph, verbose: bool) -> ContractCheck:
        warnings = remove_ignored_imports(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        apps = [app.name for app in self.apps]  # type: ignore[attr-defined]
        found = non_public_imports(graph, apps, frozenset(self.public_names))  # type: ignore[arg-type]
        return ContractCheck(kept=not found, warnings=warnings, metadata={"non_public_imports": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        public = ", ".join(sorted(self.public_names))  # type: ignore[arg-type]
        output.print(
            "A domain app may import another domain app only through its public modules: a module "
            f"whose path, below the app, has a component named one of: {public}."
        )
        output.new_line()
        for item in check.metadata["non_public_imports"]:
            lines = ", ".join("l.?" if n is None else f"l.{n}" for n in item.line_numbers)
            output.print_error(f"- {item.importer} -> {item.imported} ({lines}): not a public module", bold=False)
            for contents in item.line_contents:
                output.print_error(f"    {contents}", bold=False)
        output.new_line()


# --- private names across packages ---------------------------------------------------------------


@dataclass(frozen=True, order=True)
class PrivateImport:
    path: str
    line: int
    imported: str  # "eligibility.qualification_forms._Form" or "eligibility._private"


def _private(component: str) -> bool:
    return component.startswith("_") and not (component.startswith("__") and component.endswith("__"))


def private_imports(source: str, *, module: str, packages, path: str = "<string>") -> list[PrivateImport]:
    """The imports, in ``source`` (the text of ``module``), of a private name or a private module
    of another package of ``packages`` (top-level package names). A name or a module component
    is private when it starts with one underscore (dunders such as ``__version__`` are not)."""
    own = module.split(".")[0]
    found = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                continue  # relative: inside the module's own package
            target = node.module
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            target, names = None, []
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in packages and parts[0] != own and any(_private(p) for p in parts[1:]):
                    found.append(PrivateImport(path, node.lineno, alias.name))
            continue
        else:
            continue
        parts = target.split(".")
        if parts[0] not in packages or parts[0] == own:
            continue
        if any(_private(p) for p in parts[1:]):
            found.append(PrivateImport(path, node.lineno, target))
            continue
        for name in names:
            if _private(name):
                found.append(PrivateImport(path, node.lineno, f"{target}.{name}"))
    return sorted(found)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def private_imports_in(root: Path, packages, *, skip_dirs=frozenset({"migrations"})) -> list[PrivateImport]:
    """``private_imports`` over every module of ``packages`` under ``root`` (not their migrations)."""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if skip_dirs & set(path.relative_to(root).parts):
                continue
            found += private_imports(
                path.read_text(encoding="utf-8"), module=module_name(path, root), packages=packages,
                path=str(path.relative_to(root)),
            )
    return found
