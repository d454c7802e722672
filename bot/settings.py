"""The one settings root: the only place in Steward that reads the environment and ``.env``.

Each package owns its section (``agents.config``, ``bot.settings`` itself for the process-level ones).
Every field maps to exactly one environment variable, listed by :func:`catalog`; ``.env.example`` and
``docs/configuration.md`` must list every one of them (a test checks).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args, get_origin
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values
from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from agents.config import (
    AgentSettings,
    EmbeddingSettings,
    HostedSettings,
    IngestSettings,
    LLMSettings,
    PricingSettings,
    RetrievalSettings,
    RouterSettings,
)
from agents.tuning.config import GateSettings, PreferenceSettings, TuneSettings
from governance.moderation.config import ModerationSettings
from governance.pii.config import PIISettings
from governance.policy.config import AuditSettings, PolicySettings, RateLimitSettings, RetentionSettings


class CoreSettings(BaseModel):
    """Process-wide settings: where data lives and how logs look."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_"

    data_dir: Path = Field(Path(".steward"), description="Data directory: embedded database, models, logs.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level (any case).")
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="`auto`: readable on a TTY, JSON otherwise."
    )
    log_file: Path | None = Field(
        None,
        description="Write logs to this file instead of stderr. `steward chat` defaults to <data dir>/logs.",
    )
    default_tenant: str = Field("default", min_length=1, description="Tenant used by the CLI.")
    default_collection: str = Field("default", min_length=1, description="Collection used by the CLI.")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


class DatabaseSettings(BaseModel):
    """PostgreSQL with pgvector: an external server, or an embedded one in the data dir."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_DB_"

    url: SecretStr | None = Field(
        None,
        description="PostgreSQL URL (with pgvector). Empty: start an embedded server in <data dir>/pgdata.",
        json_schema_extra={"env": "DATABASE_URL"},
    )
    pool_size: int = Field(5, ge=1, le=100, description="Connections kept in the pool.")
    max_overflow: int = Field(5, ge=0, le=100, description="Extra connections allowed under load.")
    connect_timeout: int = Field(10, ge=1, le=300, description="Seconds to wait for a connection.")


class ResidencySettings(BaseModel):
    """Requests that must never reach a hosted model (in addition to any that contain PII)."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_RESIDENCY_"

    restricted_tenants: list[str] = Field(
        default_factory=list, description="Tenants whose requests stay on local models (JSON list or comma-separated)."
    )
    restricted_channels: list[str] = Field(
        default_factory=list, description="Channels that stay local, as platform:channel (e.g. slack:C0123)."
    )


class SlackSettings(BaseModel):
    """The Slack app: tokens, and where the Web API is (Slack's, GovSlack's, or a test server)."""

    ENV_PREFIX: ClassVar[str] = "SLACK_"

    bot_token: SecretStr | None = Field(None, description="Bot token (xoxb-...). Empty: Slack is off.")
    signing_secret: SecretStr | None = Field(None, description="Signing secret that verifies Slack's requests.")
    app_token: SecretStr | None = Field(
        None, description="App-level token (xapp-...): connect with Socket Mode instead of receiving HTTP requests."
    )
    api_url: str = Field(
        "https://slack.com/api/", description="Web API base URL (GovSlack: https://slack-gov.com/api/; tests)."
    )
    answer_bots: bool = Field(False, description="Also answer messages from other bots (never its own).")
    stream_interval_s: float = Field(
        1.0, ge=0.2, le=10.0, description="Least time between edits of a streamed answer (Slack allows ~1/s)."
    )


class DiscordSettings(BaseModel):
    """The Discord bot: token, admin roles, and base URLs (Discord's, a proxy's, or a test server)."""

    ENV_PREFIX: ClassVar[str] = "DISCORD_"

    bot_token: SecretStr | None = Field(None, description="Bot token. Empty: Discord is off.")
    api_url: str | None = Field(
        None, description="REST base URL override, e.g. http://127.0.0.1:PORT/api/v10 (tests, proxies)."
    )
    gateway_url: str | None = Field(None, description="Gateway websocket URL override (tests, proxies).")
    admin_roles: list[str] = Field(
        default_factory=list, description="Guild role names that may run admin commands (besides Manage Guild)."
    )
    thread_per_question: bool = Field(False, description="Answer each channel mention in a new thread.")
    stream_interval_s: float = Field(1.0, ge=0.2, le=10.0, description="Least time between edits of a streamed answer.")


class ServerSettings(BaseModel):
    """``steward serve``: the HTTP app (Slack events, API, health) and what runs beside it."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_HTTP_"

    host: str = Field("127.0.0.1", description="Interface the HTTP server listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port the HTTP server listens on.")
    api_enabled: bool = Field(True, description="Serve the HTTP API (`/api/v1`, API keys) and the web admin page.")
    session_minutes: int = Field(
        60, ge=1, le=1440, description="Web admin: minutes a login lasts (revoking the key ends it at once)."
    )
    session_key: SecretStr | None = Field(
        None,
        description="Web admin: secret that signs session cookies. Empty: created once in <data dir>/keys/session.key "
        "(replicas behind one address must share it).",
    )
    secure_cookies: bool = Field(
        False, description="Web admin: mark the session cookie Secure (set it when users reach Steward over HTTPS)."
    )
    shutdown_grace_seconds: float = Field(
        30.0,
        ge=0.0,
        le=600.0,
        description="On SIGTERM: how long answers already in flight may take to finish before they are cancelled.",
    )


class SchedulerSettings(BaseModel):
    """Scheduled jobs run by ``steward serve`` (one process runs each job: an advisory lock elects it)."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_SCHEDULE_"

    enabled: bool = Field(True, description="Run scheduled jobs in `steward serve`.")
    reindex_minutes: int = Field(60, ge=0, description="Re-index every source this often (0: never).")
    retention_hour: int = Field(3, ge=0, le=23, description="UTC hour of the daily retention purge.")
    dataset_hour: int = Field(2, ge=0, le=23, description="UTC hour of the nightly preference-dataset snapshot.")
    ledger_days: int = Field(7, ge=1, description="Days a processed platform event id is kept for deduplication.")
    eval_hour: int = Field(4, ge=0, le=23, description="UTC hour of the nightly retrieval-eval regression check.")
    eval_qa: Path | None = Field(
        None, description="JSONL QA set of the nightly retrieval eval (empty: the bundled handbook set)."
    )
    eval_min_recall: float = Field(
        0.9, ge=0.0, le=1.0, description="Recall@5 below this marks the nightly eval as a regression (alerting)."
    )
    leader_retry_seconds: float = Field(
        5.0, gt=0, le=300, description="How often a replica tries to become the scheduler leader (failover time)."
    )


class Settings(BaseSettings):
    """Everything Steward can be configured with."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    core: CoreSettings = Field(default_factory=CoreSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    pricing: PricingSettings = Field(default_factory=PricingSettings)
    hosted: HostedSettings = Field(default_factory=HostedSettings)
    router: RouterSettings = Field(default_factory=RouterSettings)
    residency: ResidencySettings = Field(default_factory=ResidencySettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    pii: PIISettings = Field(default_factory=PIISettings)
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    ratelimit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    http: ServerSettings = Field(default_factory=ServerSettings)
    schedule: SchedulerSettings = Field(default_factory=SchedulerSettings)
    feedback: PreferenceSettings = Field(default_factory=PreferenceSettings)
    tune: TuneSettings = Field(default_factory=TuneSettings)
    gate: GateSettings = Field(default_factory=GateSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read flat variable names (``DATABASE_URL``, ``STEWARD_LLM_MAX_TOKENS``) into the sections."""
        return (init_settings, FlatEnvSource(settings_cls))


@dataclass(frozen=True)
class SettingDoc:
    """One environment variable: where it lands, its default and what it does."""

    env: str
    section: str
    field: str
    default: Any
    description: str
    secret: bool


def _env_name(section_cls: type[BaseModel], name: str, info: FieldInfo) -> str:
    extra = info.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("env"), str):
        return str(extra["env"])
    prefix = getattr(section_cls, "ENV_PREFIX", "STEWARD_")
    return f"{prefix}{name}".upper()


def _sections() -> Iterator[tuple[str, type[BaseModel]]]:
    for name, info in Settings.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield name, annotation


def _is_secret(info: FieldInfo) -> bool:
    annotation = info.annotation
    return annotation is SecretStr or SecretStr in get_args(annotation)


def catalog() -> list[SettingDoc]:
    """Every setting as an environment variable, in declaration order."""
    docs = []
    for section, section_cls in _sections():
        for name, info in section_cls.model_fields.items():
            default = None if info.default_factory else info.default
            if info.default_factory is not None:
                default = info.default_factory()  # type: ignore[call-arg]
            docs.append(
                SettingDoc(
                    env=_env_name(section_cls, name, info),
                    section=section,
                    field=name,
                    default=default,
                    description=info.description or "",
                    secret=_is_secret(info),
                )
            )
    return docs


def _coerce(raw: str, info: FieldInfo) -> Any:
    """Turn one raw string into what the field expects; lists take JSON or comma-separated values."""
    if raw == "" and info.default is None:
        return None
    if get_origin(info.annotation) is dict:
        return json.loads(raw) if raw.strip() else {}
    if get_origin(info.annotation) is list:
        text = raw.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return raw


class FlatEnvSource(PydanticBaseSettingsSource):
    """Reads ``.env`` then the process environment (which wins) into the nested sections."""

    def __init__(self, settings_cls: type[BaseSettings], env_file: Path | None = None) -> None:
        super().__init__(settings_cls)
        self._env_file = env_file or Path(".env")

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: values are assembled per section in ``__call__``."""
        return None, field_name, False

    def _raw_values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        if self._env_file.is_file():
            values.update({k: v for k, v in dotenv_values(self._env_file).items() if v is not None})
        values.update(os.environ)
        return values

    def __call__(self) -> dict[str, Any]:
        """Build ``{"section": {"field": value}}`` from the variables that are set."""
        raw = self._raw_values()
        result: dict[str, Any] = {}
        for section, section_cls in _sections():
            for name, info in section_cls.model_fields.items():
                env = _env_name(section_cls, name, info)
                if env in raw:
                    result.setdefault(section, {})[name] = _coerce(raw[env], info)
        return result


def enforce_offline() -> None:
    """Nothing downloads from a model hub at run time: tell the HF libraries so, for this process."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_settings(**overrides: Any) -> Settings:
    """Load settings from the environment and ``.env``; keyword overrides win (used by tests and the CLI)."""
    return Settings(**overrides)


def _mask(secret: str) -> str:
    """URLs keep everything but the password; other secrets are replaced whole."""
    parts = urlsplit(secret)
    if parts.scheme and parts.netloc:
        if parts.password:
            host = parts.netloc.rsplit("@", 1)[1]
            return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
        return secret
    return "********" if secret else ""


def _shown(value: Any, secret: bool) -> str:
    if value is None:
        return ""
    if secret:
        return _mask(value.get_secret_value() if isinstance(value, SecretStr) else str(value))
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def effective(settings: Settings) -> list[tuple[str, str, str]]:
    """``(env name, shown value, description)`` for every setting, secrets masked."""
    rows = []
    for doc in catalog():
        value = getattr(getattr(settings, doc.section), doc.field)
        rows.append((doc.env, _shown(value, doc.secret), doc.description))
    return rows


def _default_text(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, list) else str(value)


def env_example() -> str:
    """The text of ``.env.example``: every setting, commented out at its default, with its description."""
    lines = [
        "# Steward configuration. Copy to .env and uncomment what you change.",
        "# Every setting is listed; the environment wins over this file. `steward config show` prints",
        "# the effective values with secrets masked. Reference: docs/configuration.md",
        "# Regenerate with: steward config example > .env.example",
    ]
    section = None
    for doc in catalog():
        if doc.section != section:
            section = doc.section
            lines += ["", f"# ---- {section} ----"]
        lines += [f"# {doc.description}", f"# {doc.env}={_default_text(doc.default)}"]
    return "\n".join(lines) + "\n"


def markdown_table() -> str:
    """A Markdown table of every setting, for ``docs/configuration.md``."""
    rows = ["| Variable | Section | Default | Description |", "|---|---|---|---|"]
    for doc in catalog():
        default = _default_text(doc.default).replace("|", "\\|") or "(empty)"
        rows.append(f"| `{doc.env}` | {doc.section} | `{default}` | {doc.description.replace('|', '/')} |")
    return "\n".join(rows) + "\n"
