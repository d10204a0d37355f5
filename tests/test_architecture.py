"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and they catch each break
the code once had (issue 15): the real import graph, plus the historical import as an edge, is
reported by exactly the contracts that should report it. Private names across packages, which
import-linter cannot see, are checked here on the sources' syntax trees."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter import api
from importlinter.contracts.layers import LayersContract

from tests.architecture import PrivateImport, PublicModulesContract, private_imports, private_imports_in

BASE_DIR = Path(__file__).resolve().parent.parent
PYPROJECT = BASE_DIR / "pyproject.toml"
CACHE_DIR = BASE_DIR / ".import_linter_cache"  # lint-imports' default: both share one graph cache
CONTRACT_TYPES = {"layers": LayersContract, "public_modules": PublicModulesContract}


@pytest.fixture(scope="module")
def config() -> dict:
    return api.read_configuration(str(PYPROJECT))


@pytest.fixture(scope="module")
def graph(config):
    return grimp.build_graph(*config["session_options"]["root_packages"], cache_dir=str(CACHE_DIR))


def contract(config, contract_id: str):
    (options,) = [o for o in config["contracts_options"] if o.get("id") == contract_id]
    return CONTRACT_TYPES[options["type"]](
        name=options["name"], session_options=config["session_options"], contract_options=options
    )


def reported_imports(config, contract_id: str, graph) -> set[tuple[str, str]]:
    """Every direct import that the contract names in its report on ``graph``."""
    check = contract(config, contract_id).check(copy.deepcopy(graph), verbose=False)
    if contract_id == "layers":
        links = set()
        for dependency in check.metadata["invalid_dependencies"]:
            for route in dependency["routes"]:
                for link in route["chain"] + route["extra_firsts"] + route["extra_lasts"]:
                    links.add((link["importer"], link["imported"]))
    else:
        links = {(item.importer, item.imported) for item in check.metadata["non_public_imports"]}
    assert check.kept == (not links)
    return links


def test_every_import_contract_is_kept():
    """What `make test` enforces: `lint-imports`, exactly as run by hand, passes."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))],  # reads pyproject.toml in cwd
        cwd=BASE_DIR, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        timeout=120,
    )
    assert result.returncode == 0, f"import contracts broken:\n{result.stdout}\n{result.stderr}"


def test_every_package_of_the_project_is_under_contract(config):
    """A new top-level package (the synthetic city's, for one) must be added to root_packages and
    to the layers, or nothing would check its imports nor anyone's imports of it."""
    packages = {p.parent.name for p in BASE_DIR.glob("*/__init__.py")} - {"tests", "bench"}
    assert set(config["session_options"]["root_packages"]) == packages
    (layers,) = [o["layers"] for o in config["contracts_options"] if o["type"] == "layers"]
    layered = {name.strip().strip("()") for layer in layers for name in layer.split("|")}
    assert packages <= layered


BOTH = {"layers", "public-modules"}


@pytest.mark.parametrize(
    ("importer", "imported", "reported_by"),
    [
        # The breaks of issue 15, as they were on main.
        pytest.param("audit.trail_models", "eligibility.models", {"layers"}, id="audit-trail-models-imports-eligibility"),
        pytest.param("audit.selectors", "eligibility.models", {"layers"}, id="audit-selectors-import-eligibility"),
        pytest.param("eligibility.management.commands.generate_city", "premiums.synthetic", BOTH,
                     id="generate-city-imports-premiums"),
        pytest.param("premiums.synthetic", "linkage.tax.simulator", BOTH, id="premiums-imports-linkage"),
        pytest.param("premiums.forms", "eligibility.qualification_forms", {"public-modules"},
                     id="premiums-imports-eligibility-forms"),
        pytest.param("premiums.tab_selectors", "eligibility.documents", {"public-modules"},
                     id="premiums-imports-eligibility-documents"),
        pytest.param("premiums.tab_selectors", "eligibility.models", {"public-modules"},
                     id="premiums-imports-eligibility-models"),
        pytest.param("kaigo.batches.services", "audit.trail", {"layers"}, id="batches-import-audit-trail"),
        pytest.param("kaigo.crypto.services", "audit.services", {"layers"}, id="crypto-imports-audit-services"),
        pytest.param("kaigo.staff.lockout", "audit.terminal", {"layers"}, id="lockout-imports-audit-terminal"),
        # Sideways, though through a public module: the layers forbid it.
        pytest.param("premiums.services", "certification.services", {"layers"}, id="premiums-imports-certification"),
        pytest.param("certification.selectors", "premiums.selectors", {"layers"}, id="certification-imports-premiums"),
        pytest.param("benefits.services", "linkage.services", {"layers"}, id="benefits-imports-linkage"),
        # URL wiring is allowed only to the project's URLconf.
        pytest.param("kaigo.shell.views", "eligibility.urls", {"layers"}, id="shell-imports-eligibility-urls"),
        # Allowed: downward, through public modules (or into core and audit, which are not domain apps).
        pytest.param("kaigo.urls", "eligibility.urls", set(), id="urlconf-wires-eligibility-urls"),
        pytest.param("premiums.tab_selectors", "eligibility.qualification.selectors", set(),
                     id="premiums-reads-eligibility-selectors"),
        pytest.param("premiums.levy.services", "eligibility.codes", set(), id="premiums-reads-eligibility-codes"),
        pytest.param("linkage.tax.simulator", "premiums.tax_feed.format", set(), id="linkage-reads-premiums-format"),
        pytest.param("benefits.services", "certification.rules.validity", set(), id="benefits-reads-certification-rules"),
        pytest.param("linkage.registry.simulator", "eligibility.events", set(), id="linkage-reads-eligibility-events"),
        pytest.param("premiums.models", "audit.models", set(), id="premiums-imports-audit"),
        pytest.param("eligibility.models", "kaigo.crypto.fields", set(), id="eligibility-imports-core"),
    ],
)
def test_each_break_is_reported_by_the_right_contract(config, graph, importer, imported, reported_by):
    broken = copy.deepcopy(graph)
    broken.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    reporting = {cid for cid in BOTH if (importer, imported) in reported_imports(config, cid, broken)}
    assert reporting == reported_by


def test_the_public_modules_contract_names_the_import_and_the_rule(config, graph, capsys):
    broken = copy.deepcopy(graph)
    broken.add_import(importer="premiums.example", imported="eligibility.forms", line_number=3,
                      line_contents="from eligibility.forms import DATE_ERRORS")
    public = contract(config, "public-modules")
    public.render_broken_contract(public.check(broken, verbose=False))
    shown = " ".join(capsys.readouterr().out.split())  # as one line, whatever the console's width
    assert "- premiums.example -> eligibility.forms (l.3): not a public module from eligibility.forms import DATE_ERRORS" in shown
    assert "one of: codes, events, format, parser, rules, selectors, services" in shown


# --- private names ---------------------------------------------------------------------------------

PACKAGES = {"kaigo", "audit", "eligibility", "premiums", "linkage"}


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        pytest.param("premiums.forms", "from eligibility.qualification_forms import DATE_ERRORS, _Form\n",
                     ["eligibility.qualification_forms._Form"], id="private-name"),
        pytest.param("premiums.notices", "from eligibility._kit import Cell\n", ["eligibility._kit"],
                     id="private-module-from"),
        pytest.param("premiums.notices", "import eligibility.documents._layout\n", ["eligibility.documents._layout"],
                     id="private-module-import"),
        pytest.param("premiums.notices", "def f():\n    from kaigo.db import _copy\n", ["kaigo.db._copy"],
                     id="private-name-of-core-in-a-function"),
        pytest.param("premiums.forms", "from eligibility.qualification_forms import DATE_ERRORS\n", [], id="public-name"),
        pytest.param("premiums.forms", "from eligibility import __version__\n", [], id="dunder"),
        pytest.param("premiums.forms", "from premiums.rules import _table\nfrom ._x import _y\n", [],
                     id="own-package"),
        pytest.param("premiums.forms", "from django.forms.utils import _x\n", [], id="not-a-project-package"),
    ],
)
def test_the_private_import_check(module, source, expected):
    found = private_imports(source, module=module, packages=PACKAGES)
    assert [item.imported for item in found] == expected


def test_the_private_import_check_gives_the_line():
    source = "import os\n\nfrom eligibility.qualification_forms import _Form\n"
    assert private_imports(source, module="premiums.forms", packages=PACKAGES, path="premiums/forms.py") == [
        PrivateImport("premiums/forms.py", 3, "eligibility.qualification_forms._Form")]


def test_no_module_imports_a_private_name_of_another_package(config):
    packages = set(config["session_options"]["root_packages"])
    found = private_imports_in(BASE_DIR, packages)
    assert found == [], "private names imported across packages:\n" + "\n".join(
        f"{item.path}:{item.line}: {item.imported}" for item in found)
