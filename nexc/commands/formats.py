"""Command-line interface of the formats package (registered by ``nexc.cli``):

    nexc formats list
    nexc formats render CONVERSATION.json --format qwen3_coder [--generation-prompt]
    nexc formats parse OUTPUT.txt --format glm45 [--tools TOOLS.json]
    nexc convert-trajectory IN.jsonl --to mistral:v11 [-o OUT.jsonl] [--from nexau_xml] [--text-mode]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _read_text(path: str, what: str) -> str:
    """A UTF-8 text file (or stdin for ``-``); a usage error naming it when it cannot be read."""
    try:
        return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except IsADirectoryError:
        raise click.UsageError(f"'{path}' is a folder; give {what}") from None
    except UnicodeDecodeError as exc:
        raise click.UsageError(f"'{path}' is not UTF-8 text (byte {exc.start}); give {what}") from None
    except OSError as exc:
        raise click.UsageError(f"cannot read '{path}': {exc.strerror or exc}") from None


def _loads(text: str, where: str):
    """JSON, or a usage error naming ``where`` (also for nesting too deep to read)."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise click.UsageError(f"{where} is not valid JSON: {exc}") from None
    except RecursionError:
        raise click.UsageError(f"{where} nests JSON too deeply to read") from None


def _read_json(path: str, what: str):
    return _loads(_read_text(path, what), f"'{path}'")


def _json(value, **kw) -> str:
    """JSON with non-ASCII text as it is; lone surrogates (which UTF-8 cannot carry) as JSON escapes."""
    text = json.dumps(value, ensure_ascii=False, **kw)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json.dumps(value, **kw)
    return text


def _echo(text: str, **kw) -> None:
    """Print text that may hold lone surrogates (they are written as ``?``, not a crash)."""
    try:
        click.echo(text, **kw)
    except UnicodeEncodeError:
        click.echo(text.encode("utf-8", "replace").decode("utf-8"), **kw)


def _format_option(**kw):
    return click.option("--format", "-f", "format_id", required=True, help="format id, e.g. hermes:qwen3", **kw)


@click.group("formats")
def formats() -> None:
    """Tool-call formats: list them, render conversations, parse model output."""


@formats.command("list")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def list_cmd(as_json: bool) -> None:
    """List the formats and the real chat templates they reproduce."""
    from nexc.formats import get_format, list_formats

    rows = []
    for fid in list_formats():
        fmt = get_format(fid)
        rows.append({"id": fid, "description": fmt.description, "template": fmt.matches_template})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        click.echo(f"{r['id']:<{width}}  {r['description']}" + (f"  [{r['template']}]" if r["template"] else ""))


@formats.command("render")
@click.argument("conversation", type=click.Path(allow_dash=True))
@_format_option()
@click.option("--generation-prompt/--no-generation-prompt", default=False, help="end with the assistant prompt")
@click.option("--chat-template", is_flag=True, help="print the format's Jinja chat template instead")
def render_cmd(conversation: str, format_id: str, generation_prompt: bool, chat_template: bool) -> None:
    """Render CONVERSATION (JSON: {"messages": [...], "tools": [...]}, or a list of messages)."""
    from nexc.formats import RenderError

    fmt = _get(format_id)
    if chat_template:
        click.echo(fmt.chat_template)
        return
    data = _read_json(conversation, 'a conversation (JSON: {"messages": [...], "tools": [...]})')
    if isinstance(data, list):
        messages, tools = data, None
    elif isinstance(data, dict):
        messages, tools = data.get("messages", []), data.get("tools")
    else:
        raise click.UsageError(f"'{conversation}' holds a JSON {type(data).__name__}; give an object "
                               '{"messages": [...], "tools": [...]} or a list of messages')
    try:
        _echo(fmt.render_conversation(messages, tools, add_generation_prompt=generation_prompt), nl=False)
    except RecursionError:
        raise click.ClickException(f"{fmt.id} cannot render this conversation: it nests too deeply") from None
    except (RenderError, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise click.ClickException(f"{fmt.id} cannot render this conversation: {exc}") from None


@formats.command("parse")
@click.argument("output", type=click.Path(allow_dash=True))
@_format_option()
@click.option("--tools", "tools_path", type=click.Path(exists=True), help="JSON list of tools (types XML values)")
def parse_cmd(output: str, format_id: str, tools_path: str | None) -> None:
    """Parse model OUTPUT (a text file, or - for stdin) into content and tool calls (JSON)."""
    fmt = _get(format_id)
    text = _read_text(output, "the model output as a text file")
    tools = _read_json(tools_path, "a JSON list of tools") if tools_path else None
    if isinstance(tools, dict):
        tools = tools.get("tools")
    if tools is not None and not (isinstance(tools, list) and all(isinstance(t, dict) for t in tools)):
        raise click.UsageError(f"'{tools_path}' must hold a list of tool objects (or {{\"tools\": [...]}})")
    result = fmt.parse_assistant(text, tools)
    click.echo(_json({"content": result.content, "reasoning": result.reasoning,
                      "tool_calls": result.tool_calls, "errors": result.errors}, indent=2))
    if result.errors:
        sys.exit(1)


@click.command("convert-trajectory")
@click.argument("source", type=click.Path(exists=True, allow_dash=True))
@click.option("--to", "to_format", required=True, help="target format id")
@click.option("--from", "from_format", default=None,
              help="source format (default: the record's 'tool_format', then 'format', else openai)")
@click.option("-o", "--output", type=click.Path(), default="-", help="output JSONL (default stdout)")
@click.option("--text-mode", is_flag=True,
              help="write calls into the assistant text in the target format (tool_format becomes the target) "
                   "instead of tool_calls")
@click.option("--no-text", is_flag=True, help="do not add the rendered training text")
def convert_trajectory(source: str, to_format: str, from_format: str | None, output: str, text_mode: bool,
                       no_text: bool) -> None:
    """Rewrite trajectory records (JSON or JSONL with messages and tools) into another format.

    Each record becomes the whole conversation, its reply included (a nexc record's reply, another
    writer's response), in the target format, ready for `nexc dataset build`. Records that are not LLM
    calls (tool spans) are copied unchanged.
    """
    from nexc.dataset.records import is_llm_call
    from nexc.formats import RenderError
    from nexc.formats.translate import convert_trajectory as convert

    _get(to_format)
    records = _read_records(source)
    lines, failed, copied = [], 0, 0
    for n, record in enumerate(records, 1):
        if not isinstance(record, dict):
            failed += 1
            click.echo(f"record {n}: cannot convert: a record is a JSON object, not {type(record).__name__}", err=True)
            continue
        if not is_llm_call(record):
            copied += 1
        try:
            out = convert(record, to_format, from_format=from_format, text_mode=text_mode, add_text=not no_text)
        except (RenderError, ValueError, TypeError, KeyError, AttributeError) as exc:
            failed += 1
            click.echo(f"record {n}: cannot convert: {exc}", err=True)
            continue
        except RecursionError:
            failed += 1
            click.echo(f"record {n}: cannot convert: it nests too deeply", err=True)
            continue
        lines.append(_json(out))
    text = "".join(line + "\n" for line in lines)
    if output == "-":
        click.echo(text, nl=False)
    else:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.UsageError(f"cannot write '{output}': {exc.strerror or exc}") from None
    if copied:
        click.echo(f"note: {copied} record(s) are not LLM calls (tool spans and the like) and were copied unchanged",
                   err=True)
    if failed:
        raise click.ClickException(f"{failed} of {len(records)} records could not be converted")


def _read_records(source: str) -> list:
    """The records of a JSON file (one record or a list) or JSON Lines; a usage error naming the line for
    input that is not JSON, not UTF-8, or not a file."""
    raw = _read_text(source, "a JSON or JSON Lines trajectory file")
    stripped = raw.lstrip()
    if stripped.startswith("["):
        records = _loads(raw, f"'{source}'")
        return records if isinstance(records, list) else [records]
    if stripped.startswith("{") and "\n{" not in stripped.rstrip():
        return [_loads(raw, f"'{source}'")]
    records = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError as exc:
            raise click.UsageError(f"{source}:{n}: not a JSON record ({exc.msg} at column {exc.colno})") from None
        except RecursionError:
            raise click.UsageError(f"{source}:{n}: the record nests JSON too deeply to read") from None
    return records


def _get(format_id: str):
    from nexc.formats import get_format

    try:
        return get_format(format_id)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--format") from None
