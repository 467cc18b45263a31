"""The README's examples are what the tool prints (issue 13: the JSON example had drifted)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _examples():
    spec = importlib.util.spec_from_file_location("readme_examples",
                                                  ROOT / "scripts" / "readme_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_examples_are_generated_by_the_tool():
    examples = _examples()
    text = examples.README.read_text(encoding="utf-8")
    assert examples.render(text) == text, "run: python scripts/readme_examples.py"


def test_readme_json_example_is_valid_json_with_the_tools_numbers():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- kpis-json:start -->\n```json\n(.*?)\n```", text, re.S).group(1)
    doc = json.loads(block)
    # the hand-written example said 100000.0: the tool computes 109051.25 (issue 13)
    assert doc["by_year"][0]["turnover_per_job"] == 109051.25408942203
