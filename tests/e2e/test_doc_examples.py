"""Every local example in README.md and docs/*.md runs, in order, against a real `make run` server.

The docs cannot drift from the code.

The conventions the pages follow (keep them when editing one):

- Collected: the lines of ```sh blocks that start with `curl` or `.venv/bin/python examples/` and
  use `http://127.0.0.1:3000` (the `make run` address; it is replaced with the test server's) or
  `http://127.0.0.1:4566` (its emulator, with `make run EMULATOR_PORT=4566`; replaced with the test
  server's emulator). A line ending in `\\` continues on the next one. Other commands (`make ...`, deployed `${API}`
  examples) are skipped. Each page runs on its own, top to bottom, from the repository's root.
- A `curl` command must exit 0 and get an HTTP status below 400, unless the comment line just
  above it says otherwise with an arrow: `# An unknown code -> 404` or `# ... -> 4xx`. A
  `python` command must exit 0.
- A placeholder in capitals ending in `_ID` (e.g. `TASK_ID`) is replaced by that field in snake
  case (`task_id`) from the latest JSON response that had it, so an example can use what an
  earlier one created.
- A dotted path in braces (e.g. `{upload.fields.key}`) is replaced by the value at that path in
  the latest JSON response that had it; a `curl` line with one is collected even without
  `http://127.0.0.1:3000` (the attachments example POSTs to the URL the API returned).
- The server has the seed's demo links (`/demo`, `/docs`); README may create the alias `hello`
  (aliases are global: a page that creates one must pick its own).
- Signing in (docs/authentication.md): a page with the line `make run AUTH=cognito` in a ```sh
  block runs against such a server. Its `export AWS_ENDPOINT_URL=...` line stands for the line
  that server printed, which the test uses instead; the `aws ...` and `NAME=$(aws ...)` lines after
  it run with those variables (the second keeps the output in NAME), and `$NAME` or `${NAME}` in
  later commands is replaced by what was kept. An `aws` command must exit 0. Other `aws` lines
  (on any page, before that line) are for a real AWS account and are skipped.

Commands run with the real /usr/bin/curl, the venv's python and the venv's aws, without a shell
(shlex-split).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import CognitoStack, LinksStack

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BASE_URL = "http://127.0.0.1:3000"
EMULATOR_URL = "http://127.0.0.1:4566"
_EXPECTED = re.compile(r"->\s*([1-5](?:\d\d|xx))\b")
_PLACEHOLDER = re.compile(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_ID)\b")
_PATH = re.compile(r"(?<![$\w])\{([A-Za-z_][\w-]*(?:\.[\w-]+)+)\}")  # {upload.fields.key}, never ${API}
_STATUS_MARK = "\n@@status@@"
PYTHON = ".venv/bin/python examples/"
AWS_SETTINGS = "export AWS_ENDPOINT_URL="
_CAPTURE = re.compile(r"^([A-Z][A-Z0-9_]*)=\$\((aws .*)\)$")
_CAPTURE_START = re.compile(r"^[A-Z][A-Z0-9_]*=\$\(aws ")
_VARIABLE = re.compile(r"\$(?:\{([A-Z][A-Z0-9_]*)\}|([A-Z][A-Z0-9_]*))")
COGNITO_SERVER = "make run AUTH=cognito"
AWS = Path(sys.executable).with_name("aws")


@dataclass(frozen=True)
class Example:
    command: str
    expected: str | None  # "404", "4xx", or None for "below 400"
    line: int
    capture: str | None = None  # NAME of `NAME=$(aws ...)`: the variable that keeps its output


def page_examples(text: str) -> list[Example]:
    examples: list[Example] = []
    in_sh = False
    on_emulator = False  # past the `export AWS_ENDPOINT_URL=...` line: `aws` commands talk to the emulator
    comment: str | None = None
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_sh = not in_sh and stripped == "```sh"
            comment, pending = None, []
            continue
        if not in_sh:
            continue
        if pending:
            pending.append(stripped.removesuffix("\\").strip())
        elif stripped.startswith(("curl", PYTHON, AWS_SETTINGS)) or (
            on_emulator and (stripped.startswith("aws ") or _CAPTURE_START.match(stripped))
        ):
            pending, start = [stripped.removesuffix("\\").strip()], number
        else:
            comment = stripped if stripped.startswith("#") else None
            continue
        if not stripped.endswith("\\"):
            command = " ".join(pending)
            pending = []
            capture = _CAPTURE.match(command)
            on_emulator = on_emulator or command.startswith(AWS_SETTINGS)
            if capture:
                examples.append(Example(capture.group(2), None, start, capture.group(1)))
            elif command.startswith(("aws ", AWS_SETTINGS)):
                examples.append(Example(command, None, start))
            elif BASE_URL in command or EMULATOR_URL in command or _PATH.search(command):
                match = _EXPECTED.search(comment or "")
                examples.append(Example(command, match.group(1) if match else None, start))
            comment = None
    return examples


def needs_cognito(text: str) -> bool:
    """A page that starts `make run AUTH=cognito` in a ```sh block."""
    return bool(re.search(r"```sh\n(?:[^`]*\n)?" + re.escape(COGNITO_SERVER) + r"\n", text))


PAGES_WITH_EXAMPLES = [page for page in PAGES if page_examples(page.read_text())]


def test_the_conventions_parse_a_sample_block() -> None:
    sample = (
        '```sh\n# Make one\ncurl -s -X POST http://127.0.0.1:3000/shorten \\\n  -d \'{"url": "x"}\'\n'
        "# A missing code -> 404\ncurl -s http://127.0.0.1:3000/nope\n"
        "curl -s ${API}shorten\ncurl -s http://127.0.0.1:4566/devserver-api/mail\n"
        "```\n```\ncurl -s http://127.0.0.1:3000/not-sh\n```\n"
    )

    assert page_examples(sample) == [
        Example('curl -s -X POST http://127.0.0.1:3000/shorten -d \'{"url": "x"}\'', None, 3),
        Example("curl -s http://127.0.0.1:3000/nope", "404", 6),
        Example("curl -s http://127.0.0.1:4566/devserver-api/mail", None, 8),  # the emulator, on its fixed port
    ]


def test_the_sign_in_conventions_parse_a_sample_block() -> None:
    sample = (
        "```sh\nmake run AUTH=cognito\naws s3 ls\n```\n```sh\nexport AWS_ENDPOINT_URL=http://x POOL=p\n"
        "aws cognito-idp admin-create-user --user-pool-id $POOL \\\n  --username a\n"
        "TOKEN=$(aws cognito-idp admin-initiate-auth \\\n  --output text)\n"
        'curl -s http://127.0.0.1:3000/users/$SUB/tasks -H "Authorization: Bearer $TOKEN"\n```\n'
    )

    assert needs_cognito(sample)
    assert not needs_cognito(sample.replace("make run AUTH=cognito", "make run"))
    assert page_examples(sample) == [
        Example("export AWS_ENDPOINT_URL=http://x POOL=p", None, 6),
        Example("aws cognito-idp admin-create-user --user-pool-id $POOL --username a", None, 7),
        Example("aws cognito-idp admin-initiate-auth --output text", None, 9, "TOKEN"),
        Example('curl -s http://127.0.0.1:3000/users/$SUB/tasks -H "Authorization: Bearer $TOKEN"', None, 11),
    ]


def test_the_pages_that_teach_by_example_have_examples_to_run() -> None:
    assert {
        ROOT / "README.md",
        ROOT / "docs" / "attachments.md",
        ROOT / "docs" / "authentication.md",
        ROOT / "docs" / "reminders.md",
    } <= set(PAGES_WITH_EXAMPLES)
    assert [page for page in PAGES if needs_cognito(page.read_text())] == [ROOT / "docs" / "authentication.md"]


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_local_example_of_a_page_works_against_the_local_stack(
    request: pytest.FixtureRequest, page: Path
) -> None:
    text = page.read_text()
    server: LinksStack | CognitoStack = request.getfixturevalue(
        "cognito_stack" if needs_cognito(text) else "links_stack"
    )
    known: dict[str, str] = {}
    variables: dict[str, str] = {}
    responses: list[object] = []
    for example in page_examples(text):
        where = f"{page.relative_to(ROOT)} line {example.line}: {example.command}"
        if example.command.startswith(AWS_SETTINGS):
            assert isinstance(server, CognitoStack), f"{where}\nneeds a ```sh line: {COGNITO_SERVER}"
            variables.update(server.sign_in)  # the line the server printed, in place of the page's
            continue
        command = _VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), example.command)
        command = command.replace(BASE_URL, server.url).replace(EMULATOR_URL, _emulator(server))
        command = _PLACEHOLDER.sub(lambda m: known.get(m.group(1).lower(), m.group(1)), command)
        args = [_PATH.sub(lambda m: _at_path(responses, m.group(1), m.group(0)), arg) for arg in shlex.split(command)]
        if args[0] == "curl":
            output = _curl(args, example, where)
        else:
            program = str(AWS) if args[0] == "aws" else sys.executable
            output = _run([program, *args[1:]], variables, where)
        if example.capture:
            variables[example.capture] = output.strip()
        known.update(_ids(output))
        responses.append(_json_body(output))


def _emulator(server: LinksStack | CognitoStack) -> str:
    """The address of the test server's emulator."""
    return server.emulator_endpoint if isinstance(server, LinksStack) else server.sign_in["AWS_ENDPOINT_URL"]


def _run(command: list[str], variables: dict[str, str], where: str) -> str:
    """Run one python or aws example (it must exit 0) with the page's variables; its output."""
    environment = {key: value for key, value in os.environ.items() if key not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")}
    result = subprocess.run(
        command, cwd=ROOT, env={**environment, **variables}, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"{where}\nexited {result.returncode}: {result.stdout}{result.stderr}"
    return result.stdout


def _curl(args: list[str], example: Example, where: str) -> str:
    """Run one curl example; its output (without the status) after checking the status."""
    curl = shutil.which("curl") or "/usr/bin/curl"
    result = subprocess.run(
        [curl, *args[1:], "--max-time", "30", "-w", _STATUS_MARK + "%{http_code}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{where}\ncurl exited {result.returncode}: {result.stderr}"
    output, _, status = result.stdout.rpartition(_STATUS_MARK)
    if example.expected is None:
        assert int(status) < 400, f"{where}\ngot {status}: {output}"
    else:
        assert re.fullmatch(example.expected.replace("x", r"\d"), status), f"{where}\ngot {status}: {output}"
    return output


def _json_body(output: str) -> object:
    """A response's JSON body (after the headers when curl showed them), or None."""
    try:
        return json.loads(output.rsplit("\r\n\r\n", maxsplit=1)[-1])
    except ValueError:
        return None


def _ids(output: str) -> dict[str, str]:
    """`*_id` fields of a JSON response."""
    value = _json_body(output)
    if not isinstance(value, dict):
        return {}
    return {key: str(item) for key, item in value.items() if key.endswith("_id") and isinstance(item, str | int)}


def _at_path(responses: list[object], path: str, missing: str) -> str:
    """The value at dotted `path` in the latest response that has it; `missing` if none does."""
    for response in reversed(responses):
        value = response
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                break
            value = value[part]
        else:
            return str(value)
    return missing
