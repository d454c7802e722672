"""The settings root: flat variable names, .env, lists, and docs that list every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import catalog, effective, load_settings
from tests.conftest import REPO


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for doc in catalog():
        monkeypatch.delenv(doc.env, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return monkeypatch


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.core.data_dir == Path(".steward")
    assert settings.database.url is None
    assert settings.llm.mode == "local" and settings.llm.temperature == 0.0
    assert settings.embedding.threads >= 1


def test_flat_environment_names_land_in_their_sections(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("STEWARD_DATA_DIR", "/srv/steward")
    clean_env.setenv("DATABASE_URL", "postgresql://u:p@h/db")
    clean_env.setenv("STEWARD_LOG_LEVEL", "DEBUG")
    clean_env.setenv("STEWARD_LLM_MAX_TOKENS", "64")
    clean_env.setenv("STEWARD_LLM_STOP", '["</s>", "Question:"]')
    clean_env.setenv("STEWARD_RETRIEVAL_TOP_K", "6")
    settings = load_settings()
    assert settings.core.data_dir == Path("/srv/steward")
    assert settings.database.url is not None and settings.database.url.get_secret_value() == "postgresql://u:p@h/db"
    assert settings.core.log_level == "DEBUG"
    assert settings.llm.max_tokens == 64
    assert settings.llm.stop == ["</s>", "Question:"]
    assert settings.retrieval.top_k == 6


def test_dotenv_is_read_and_the_environment_wins(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("STEWARD_LLM_STOP=END,STOP\nSTEWARD_RETRIEVAL_TOP_K=3\n")
    clean_env.setenv("STEWARD_RETRIEVAL_TOP_K", "5")
    settings = load_settings()
    assert settings.llm.stop == ["END", "STOP"]
    assert settings.retrieval.top_k == 5


def test_invalid_values_are_rejected_with_the_field_named(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("STEWARD_LLM_TEMPERATURE", "9")
    with pytest.raises(ValidationError, match="temperature"):
        load_settings()


def test_secrets_are_masked(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "postgresql://app:s3cret@db:5432/steward")
    shown = {env: value for env, value, _ in effective(load_settings())}
    assert shown["DATABASE_URL"] == "postgresql://app:***@db:5432/steward"


def test_every_setting_is_in_env_example() -> None:
    example = (REPO / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    missing = [doc.env for doc in catalog() if doc.env not in listed]
    assert not missing, f".env.example lacks: {missing}"
    unknown = listed - {doc.env for doc in catalog()}
    assert not unknown, f".env.example lists settings that do not exist: {sorted(unknown)}"


def test_every_setting_is_in_the_configuration_doc() -> None:
    doc = (REPO / "docs" / "configuration.md").read_text()
    missing = [d.env for d in catalog() if f"`{d.env}`" not in doc]
    assert not missing, f"docs/configuration.md lacks: {missing}"


def test_every_setting_has_a_description() -> None:
    assert [d.env for d in catalog() if not d.description] == []
