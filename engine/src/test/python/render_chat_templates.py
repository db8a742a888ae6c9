#!/usr/bin/env python3
"""Renders every chat template of the corpus on every conversation with Python's jinja2, configured the way
Hugging Face transformers configures it (transformers/utils/chat_template_utils.py), and writes the expected files
that ChatTemplateCorpusTest compares against byte for byte.

Run from the repository root after changing the corpus:
    apt-get install -y python3-jinja2      # Debian; or pip install jinja2
    python3 engine/src/test/python/render_chat_templates.py
CI never runs this: the tests read the committed files.
"""
import json
import pathlib
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "resources" / "chat-templates"
# strftime_now reads the clock in transformers; the corpus pins it so the files are stable.
NOW = datetime(2026, 12, 2, 8, 30, 0)


class AssistantTracker(Extension):
    """transformers' {% generation %} tag: for rendering, its body unchanged."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return NOW.strftime(fmt)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[AssistantTracker, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    env = environment()
    families = json.loads((CORPUS / "families.json").read_text(encoding="utf-8"))
    conversations = json.loads((CORPUS / "conversations.json").read_text(encoding="utf-8"))
    out_root = CORPUS / "expected"
    for family, spec in families.items():
        source = (CORPUS / "templates" / spec["template"]).read_text(encoding="utf-8")
        template = env.from_string(source)
        out = out_root / family
        out.mkdir(parents=True, exist_ok=True)
        for old in out.iterdir():
            old.unlink()
        for conv in conversations:
            kwargs = dict(spec.get("tokens", {}))
            kwargs.update(conv.get("variables", {}))
            try:
                text = template.render(messages=conv["messages"], tools=conv.get("tools"),
                                       documents=conv.get("documents"),
                                       add_generation_prompt=conv["add_generation_prompt"], **kwargs)
                (out / (conv["name"] + ".txt")).write_bytes(text.encode("utf-8"))
            except jinja2.exceptions.TemplateError as e:
                kind = "raised" if type(e) is jinja2.exceptions.TemplateError else "error " + type(e).__name__
                (out / (conv["name"] + ".error")).write_bytes(f"{kind}: {e}".encode("utf-8"))
            except Exception as e:  # a Python TypeError and the like inside the template
                (out / (conv["name"] + ".error")).write_bytes(f"error {type(e).__name__}: {e}".encode("utf-8"))
    print("wrote", out_root)


if __name__ == "__main__":
    main()
