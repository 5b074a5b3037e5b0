"""Every `$` line of the README's console blocks runs, in order, in one fresh data folder.

The lines shown under a command must appear (whitespace-normalised) in what it printed, and
its exit status must be 0, or the status named by a trailing ``# exits N`` comment.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Example:
    command: str
    expected_status: int
    expected_lines: list[str] = field(default_factory=list)


def parse_readme(text: str) -> list[Example]:
    examples: list[Example] = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                command = line[2:]
                status = 0
                match = re.search(r"\s+#\s*exits\s+(\d+)\s*$", command)
                if match:
                    status = int(match.group(1))
                    command = command[: match.start()]
                examples.append(Example(command.strip(), status))
            elif line.strip() and examples and line.strip() != "...":
                examples[-1].expected_lines.append(line.strip())
    return examples


EXAMPLES = parse_readme((ROOT / "README.md").read_text(encoding="utf-8"))


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 1
    assert all(example.command.startswith("partnerpilot") for example in EXAMPLES)


def test_readme_parser_reads_status_and_output() -> None:
    parsed = parse_readme("```console\n$ partnerpilot x --y  # exits 2\nerror: y\n```\n")
    assert parsed == [Example("partnerpilot x --y", 2, ["error: y"])]


def test_readme_commands_run(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PARTNERPILOT_DATA_DIR"] = str(tmp_path / "data")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST", "PARTNERPILOT_BACKEND"):
        env.pop(key, None)
    failures: list[str] = []
    for example in EXAMPLES:
        proc = subprocess.run(
            shlex.split(example.command), cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=600,
        )
        output = _normalise(proc.stdout + "\n" + proc.stderr)
        if proc.returncode != example.expected_status:
            failures.append(
                f"{example.command}: exit {proc.returncode}, README says "
                f"{example.expected_status}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            )
            continue
        for expected in example.expected_lines:
            if _normalise(expected) not in output:
                failures.append(f"{example.command}: missing {expected!r} in\n{output[-3000:]}")
    assert not failures, "\n\n".join(failures)
