"""Settings sections for the learning loop: tuning, the evaluation gate, and building preference data.

Plain pydantic models, like ``agents.config``: the settings root in ``bot.settings`` reads the environment
and maps each field to ``<ENV_PREFIX><FIELD>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, Field


class TuneSettings(BaseModel):
    """LoRA / QLoRA fine-tuning with TRL (SFT or DPO); the output directory is chosen by the caller."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_TUNE_"

    lora_r: int = Field(8, ge=1, le=256, description="LoRA rank.")
    lora_alpha: int = Field(16, ge=1, le=1024, description="LoRA scaling numerator (the update is scaled by alpha/r).")
    lora_dropout: float = Field(0.05, ge=0.0, lt=1.0, description="Dropout on the LoRA branch while training.")
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "v_proj"],
        description="Linear layers that get LoRA weights, as a JSON list or comma-separated.",
    )
    learning_rate: float = Field(
        1e-3,
        gt=0.0,
        le=1.0,
        description="Peak learning rate (linear decay, no warm-up); 1e-3 for 2 epochs is the measured SFT recipe "
        "for the 135M model (bench/tuning.py).",
    )
    max_steps: int = Field(
        -1, ge=-1, description="Optimizer steps to run; -1 means run `epochs` passes over the dataset instead."
    )
    epochs: float = Field(2.0, gt=0.0, le=100.0, description="Passes over the dataset when `max_steps` is -1.")
    batch_size: int = Field(4, ge=1, le=512, description="Examples per optimizer step (per device).")
    max_length: int = Field(512, ge=32, le=32768, description="Longest tokenized example; longer ones are truncated.")
    seed: int = Field(0, description="Seed for adapter initialisation and data order, so runs are reproducible.")
    beta: float = Field(0.1, gt=0.0, le=10.0, description="DPO beta: how far the tuned model may move from the base.")
    sft_weight: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="DPO only: weight of an added SFT loss on the chosen answers (0 = plain DPO). Plain DPO "
        "rarely changes greedy answers of a small model; DPO+SFT does, and can damage general answers.",
    )
    threads: int = Field(1, ge=1, le=64, description="torch threads while training on the CPU.")
    qlora: Literal["auto", "on", "off"] = Field(
        "auto",
        description="`auto`: 4-bit nf4 QLoRA (bitsandbytes + prepare_model_for_kbit_training) only when CUDA is "
        "available, fp32 LoRA otherwise; `on`: always QLoRA (slow on CPU); `off`: never.",
    )
    mlflow_tracking_uri: str | None = Field(
        None,
        description="Log parameters and metrics to this MLflow tracking URI when mlflow is installed. Empty: off.",
    )
    mlflow_experiment: str = Field("steward-tuning", description="MLflow experiment name (when MLflow is on).")


class GateSettings(BaseModel):
    """When a candidate adapter may replace the current one, and how much is evaluated to decide it."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_GATE_"

    margin: float = Field(
        0.03, ge=0.0, le=1.0, description="How much higher the candidate's domain score (0..1) must be to win."
    )
    max_groundedness_regression: float = Field(
        0.05, ge=0.0, le=1.0, description="Largest allowed drop in mean groundedness of domain answers (0..1)."
    )
    max_general_regression: float = Field(
        0.05, ge=0.0, le=1.0, description="Largest allowed drop in general-capability accuracy (0..1)."
    )
    domain_sample: int = Field(0, ge=0, description="Held-out answerable questions scored; 0 = all of them.")
    unanswerable_sample: int = Field(0, ge=0, description="Unanswerable questions scored for abstention; 0 = all.")
    general_sample: int = Field(0, ge=0, description="General-capability prompts scored; 0 = all.")
    holdout_percent: int = Field(
        33, ge=1, le=99, description="Share of the domain QA set held out for the gate (split by a hash of the text)."
    )
    weight_correctness: float = Field(0.5, ge=0.0, description="Weight of key-fact correctness in the domain score.")
    weight_rouge: float = Field(0.3, ge=0.0, description="Weight of ROUGE-L F1 against the reference in the score.")
    weight_abstention: float = Field(
        0.2, ge=0.0, description="Weight of abstaining on unanswerable questions in the domain score."
    )
    max_new_tokens: int = Field(
        40, ge=4, le=1024, description="New tokens per evaluated answer (give it to the answerer the gate uses)."
    )
    batch_size: int = Field(24, ge=1, le=512, description="Prompts the gate generates at once (greedy, padded).")
    qa_file: Path | None = Field(
        None,
        description="Domain QA set for the gate (JSONL with question, reference, source); empty: the bundled "
        "sample handbook's. Only its held-out share is scored.",
    )
    documents_dir: Path | None = Field(
        None, description="Folder of the documents the QA set is about (facts are taken from them); empty: bundled."
    )
    unanswerable_file: Path | None = Field(
        None, description="Questions the documents do not answer, one per line, for abstention; empty: bundled."
    )


class PreferenceSettings(BaseModel):
    """How 👍/👎 feedback and admin corrections become preference pairs."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_FEEDBACK_"

    similarity_threshold: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Cosine similarity of two questions' embeddings at or above which they count as "
        "near-duplicates, so a 👍 answer to one and a 👎 answer to the other form a pair.",
    )
    correction_prefix: str = Field(
        "!correct",
        min_length=1,
        description="An admin's thread reply that starts with this is taken as the corrected (chosen) answer.",
    )
