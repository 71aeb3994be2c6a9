"""What a stored link or task may look like: the rules the API applies to input, applied to what is stored.

A hostile request that slipped past validation shows up here as a record that breaks a rule, even
when the response looked fine. Each function returns the problems it found (empty = clean).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from common import attachment_rules, errors, ids, link_urls, links, task_model

LINK_FIELDS = {"shortCode", "longUrl", "createdAt", "expiresAt", "clicks"}
# Hot links count clicks on extra items `<code>#<n>` (common/link_clicks.py).
SHARD_SEPARATOR = "#"
SHARD_FIELDS = {"shortCode", "clicks", "expiresAt"}
TASK_FIELDS = {
    "user_id", "task_id", "title", "description", "status", "due_date", "remind_at", "reminder_shard",
    "reminder_claim", "reminder_claimed_at", "reminded_at", "created_at", "updated_at", "version", "attachments",
}  # fmt: skip
ATTACHMENT_STATUSES = {"pending", "ready", "rejected"}


def _whole(value: object) -> int | None:
    """A stored whole number (DynamoDB numbers arrive as Decimal), or None for anything else."""
    return int(value) if isinstance(value, Decimal) and value == value.to_integral_value() else None


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | set | tuple):
        for item in value:
            yield from _strings(item)


def _text_problems(record: dict[str, Any]) -> list[str]:
    """Every string must be valid Unicode text (DynamoDB stores UTF-8: half a surrogate pair is not)."""
    problems = []
    for text in _strings(record):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(f"invalid text {text!r}")
    return problems


def _check(rule: str, check: Any, *args: Any) -> list[str]:
    try:
        check(*args)
    except (errors.ApiError, KeyError, TypeError, ValueError) as error:
        return [f"{rule}: {getattr(error, 'message', error)!s}"]
    return []


def link_problems(link: dict[str, Any]) -> list[str]:
    if SHARD_SEPARATOR in str(link.get("shortCode", "")):
        return shard_problems(link)
    problems = _text_problems(link)
    if unknown := set(link) - LINK_FIELDS:
        problems.append(f"unknown attributes {sorted(unknown)}")
    code = link.get("shortCode")
    if not isinstance(code, str) or not links.ALIAS_PATTERN.fullmatch(code) or code.lower() in links.RESERVED_CODES:
        problems.append(f"bad shortCode {code!r}")
    url = link.get("longUrl")
    if not isinstance(url, str) or not url.isascii() or any(not 0x21 <= ord(ch) <= 0x7E for ch in url):
        problems.append(f"longUrl is not printable ASCII: {url!r}")
    else:
        # A stored URL is already normal: normalising it again changes nothing and refuses nothing.
        problems += _check("longUrl", lambda: _same(url, link_urls.normalize_url(url)))
    created = _whole(link.get("createdAt"))
    if created is None:
        problems.append(f"bad createdAt {link.get('createdAt')!r}")
    if "expiresAt" in link and ((expires := _whole(link["expiresAt"])) is None or expires <= (created or 0)):
        problems.append(f"bad expiresAt {link['expiresAt']!r}")
    clicks = _whole(link.get("clicks", Decimal(0)))
    if clicks is None or clicks < 0:
        problems.append(f"bad clicks {link.get('clicks')!r}")
    return problems


def shard_problems(shard: dict[str, Any]) -> list[str]:
    """A hot link's click counter (`<code>#<n>`): a count, and its link's expiry, nothing else."""
    problems = _text_problems(shard)
    code, _, number = str(shard["shortCode"]).partition(SHARD_SEPARATOR)
    if not links.ALIAS_PATTERN.fullmatch(code) or not (number.isascii() and number.isdigit()):
        problems.append(f"bad counter key {shard['shortCode']!r}")
    if unknown := set(shard) - SHARD_FIELDS:
        problems.append(f"unknown counter attributes {sorted(unknown)}")
    clicks = _whole(shard.get("clicks"))
    if clicks is None or clicks < 0:
        problems.append(f"bad clicks {shard.get('clicks')!r}")
    return problems


def _same(stored: str, normalised: str) -> None:
    if stored != normalised:
        raise ValueError(f"{stored!r} normalises to {normalised!r}")


def task_problems(task: dict[str, Any]) -> list[str]:
    problems = _text_problems(task)
    if unknown := set(task) - TASK_FIELDS:
        problems.append(f"unknown attributes {sorted(unknown)}")
    problems += _check("user_id", ids.validate_user_id, task.get("user_id"))
    problems += _check("task_id", ids.validate_task_id, task.get("task_id"))
    # remind_at is stored as epoch seconds (and may be past by now): reminder_problems checks it.
    editable = {name: task[name] for name in task_model.EDITABLE_FIELDS if name in task and name != "remind_at"}
    problems += _check("fields", task_model.validate_fields, editable)
    problems += reminder_problems(task)
    version = _whole(task.get("version"))
    if version is None or version < 1:
        problems.append(f"bad version {task.get('version')!r}")
    created, updated = _whole(task.get("created_at")), _whole(task.get("updated_at"))
    if created is None or updated is None or created > updated:
        problems.append(f"bad dates {task.get('created_at')!r} / {task.get('updated_at')!r}")
    for attachment_id, entry in (task.get("attachments") or {}).items():
        problems += [f"attachment {attachment_id}: {p}" for p in attachment_problems(attachment_id, entry)]
    return problems


def reminder_problems(task: dict[str, Any]) -> list[str]:
    """A pending reminder: whole epoch seconds, its index shard beside it (and only then), on a task not done."""
    if "remind_at" not in task:
        return [f"reminder_shard without remind_at: {task['reminder_shard']!r}"] if "reminder_shard" in task else []
    problems = []
    if _whole(task["remind_at"]) is None:
        problems.append(f"bad remind_at {task['remind_at']!r}")
    if task.get("reminder_shard") != task_model.reminder_shard(str(task.get("task_id"))):
        problems.append(f"remind_at without its shard: {task.get('reminder_shard')!r}")
    if task.get("status") == "done":
        problems.append("a done task with a pending reminder")
    return problems


def attachment_problems(attachment_id: str, entry: dict[str, Any]) -> list[str]:
    problems = _check("attachment_id", ids.validate_task_id, attachment_id)
    problems += _check("filename", attachment_rules.validate_filename, entry.get("filename"))
    problems += _check("content_type", attachment_rules.validate_content_type, entry.get("content_type"))
    size = _whole(entry.get("size"))
    if size is None or not 1 <= size <= attachment_rules.MAX_SIZE:
        problems.append(f"bad size {entry.get('size')!r}")
    if entry.get("status") not in ATTACHMENT_STATUSES:
        problems.append(f"bad status {entry.get('status')!r}")
    return problems


def bad_records(stored_links: Iterable[dict[str, Any]], stored_tasks: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """`{record: problems}` for every stored link and task that breaks a rule."""
    found = {f"link {link.get('shortCode')!r}": link_problems(link) for link in stored_links}
    found |= {f"task {task.get('user_id')!r}/{task.get('task_id')!r}": task_problems(task) for task in stored_tasks}
    return {record: problems for record, problems in found.items() if problems}
