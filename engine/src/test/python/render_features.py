"""Renders the one-feature snippets of features.json with transformers' jinja2 setup (see render_chat_templates.py).
Run: python3 engine/src/test/python/render_features.py"""
import json
import pathlib
import sys
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import render_chat_templates as r
env = r.environment()
cases = [
 ("{% set ns = namespace(x=messages|length - 1) %}{{ ns.x }}", {"messages": [1,2,3]}),
 ("{% for m in messages[::-1] %}{{ m }}{% endfor %}|{{ messages[1:] }}|{{ messages[-2:] }}|{{ 'abcdef'[1:5:2] }}", {"messages": [1,2,3]}),
 ("{{ 'a</think>'.split('</think>')[-1] }}|{{ 'a.b.c'.split('.') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}", {}),
 ("{{ 'Hello'.startswith('He') }}{{ 'Hello'.endswith('lo') }}|{{ 'xxhixx'.strip('x') }}|{{ '\\n\\nhi\\n'.lstrip('\\n') }}|{{ 'hi!!'.rstrip('!') }}|{{ 'hello world'.upper() }}|{{ 'hello wORLD'.title() }}", {}),
 ("{% for m in messages %}{{ loop.previtem|default('none') }}>{{ m }}<{{ loop.nextitem|default('none') }};{% endfor %}", {"messages": ["a","b","c"]}),
 ("{% for m in messages if m != 'b' %}{{ loop.index }}{{ m }}{{ loop.length }}{% endfor %}", {"messages": ["a","b","c"]}),
 ("{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d.items() %}{{ k }}{% endfor %}", {"d": {"x": 1, "y": [1, 2]}}),
 ("{{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ 'é😀'|tojson }}|{{ [1.5, none, true]|tojson }}", {"d": {"x": 1, "y": [1, 2], "z": {}}}),
 ("{% generation %}kept{% endgeneration %}", {}),
 ("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i > 4 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
 ("{{ none }}|{{ true }}|{{ 1.0 }}|{{ 10 / 4 }}|{{ 7 // 2 }}|{{ -7 % 3 }}|{{ [1, 'a'] }}|{{ {'a': none} }}|{{ 2 ** 10 }}|{{ 'ab' * 3 }}", {}),
 ("{{ 'x' ~ 1 ~ none }}|{{ undefined_var }}|{{ 'abc'|length }}|{{ '😀ab'|length }}|{{ '😀ab'[1] }}", {}),
 ("{%- if true %}\n    A\n{%- endif %}\n  {% if true %}\n  B\n  {% endif %}\nC {# c #}\nD", {}),
 ("{{ a if a is defined else 'no' }}|{{ x is string }}{{ x is number }}{{ l is iterable }}{{ l is mapping }}{{ none is none }}", {"x": "s", "l": [1]}),
 ("{{ [3,1,2]|sort|join(',') }}|{{ l|selectattr('r','equalto','u')|map(attribute='c')|join }}|{{ l|rejectattr('r','equalto','u')|list|length }}|{{ l|first }}", {"l": [{"r":"u","c":"1"},{"r":"a","c":"2"},{"r":"u","c":"3"}]}),
 ("{{ 'a' in 'cat' }}{{ 1 in [1,2] }}{{ 'k' in {'k':1} }}{{ 'z' not in 'cat' }}{{ 1 < 2 < 3 }}{{ 3 > 2 > 4 }}", {}),
 ("{{ '%s'|length }}{{ 'A b'|lower }}{{ ' x '|trim }}|{{ 'aXbXc'.replace('X', '-') }}|{{ 'Hi'|upper }}|{{ 'hello world'|title }}|{{ 'hello'|capitalize }}", {}),
 ("{% macro f(a, b='B') %}[{{ a }}{{ b }}]{% endmacro %}{{ f(1) }}{{ f(2, b='c') }}{{ f('x') ~ '!' }}", {}),
 ("{% set x %}in{{ 1 + 1 }}{% endset %}{{ x }}|{% set a, b = [1, 2] %}{{ b }}{{ a }}", {}),
 ("{{ strftime_now('%Y-%m-%d %A %B %b %d %I%p %j') }}", {}),
]
out=[]
for src, ctx in cases:
    t = env.from_string(src)
    out.append({"template": src, "context": ctx, "expected": t.render(**ctx)})
(r.CORPUS / "features.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
