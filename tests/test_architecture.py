"""Dependency direction and the settings root, enforced: import-linter contracts plus an env-read scan."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("bot", "agents", "governance")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_import_contracts_hold() -> None:
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_import_contracts_catch_a_violation(tmp_path: Path) -> None:
    """The contracts are not vacuous: agents importing bot, or governance importing agents, breaks them."""
    for name in PACKAGES:
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "samples"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "agents" / "leak.py").write_text('"""Bad."""\n\nimport bot.settings  # noqa: F401\n')
    (tmp_path / "governance" / "leak.py").write_text('"""Bad."""\n\nimport agents.config  # noqa: F401\n')
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "agents.leak -> bot.settings" in result.stdout
    assert "governance.leak -> agents.config" in result.stdout


def _reads_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            value = node.value
            if isinstance(value, ast.Name) and value.id == "os":
                lines.append(node.lineno)
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in ("environ", "getenv") for alias in node.names)
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_settings_root_touches_the_environment() -> None:
    offenders = []
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if path == REPO / "bot" / "settings.py":
                continue
            lines = _reads_environment(ast.parse(path.read_text()))
            offenders += [f"{path.relative_to(REPO)}:{n}" for n in lines]
    assert offenders == []
