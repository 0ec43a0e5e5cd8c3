# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The hosted-CI workflow file (.github/workflows/vm.yml), read without a YAML library
(the host tooling is standard library only): the subset of YAML that file uses, and
nothing more. Block mappings and sequences by indentation, plain and double- or
single-quoted scalars, flow sequences of plain words ([a, b]), block scalars (| and >,
with - chomping), '#' comments. Anything else (anchors, tags, flow mappings, multi-line
plain scalars, tabs) is a ConfigError naming the line: change the file, or this reader."""
import json
import re

from .errors import ConfigError

_KEY = re.compile(r'^([A-Za-z0-9_.-]+):(?:\s+(.*))?$')


def _strip_comment(text):
    """TEXT without a trailing '# comment' (a '#' inside quotes stays)."""
    quote = None
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in '"\'':
            quote = c
        elif c == '#' and (i == 0 or text[i - 1] in ' \t'):
            return text[:i].rstrip()
    return text.rstrip()


def _scalar(text, where):
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2:
            raise ConfigError(f'{where}: unterminated "string"')
        return bytes(text[1:-1], 'utf-8').decode('unicode_escape')
    if text.startswith("'"):
        if not text.endswith("'") or len(text) < 2:
            raise ConfigError(f"{where}: unterminated 'string'")
        return text[1:-1].replace("''", "'")
    if text.startswith('['):
        if not text.endswith(']'):
            raise ConfigError(f'{where}: a flow sequence must end on its line')
        return [_scalar(w.strip(), where) for w in text[1:-1].split(',') if w.strip()]
    if text[:1] in ('{', '&', '*', '!', '%', '@', '`'):
        raise ConfigError(f'{where}: {text[:1]!r} is not in the YAML subset this reader takes')
    return text


class _Lines:
    def __init__(self, text, name):
        self.name = name
        self.raw = text.split('\n')
        self.items = []  # (number, indent, content) of the lines that say something
        for n, line in enumerate(self.raw, 1):
            if '\t' in line[:len(line) - len(line.lstrip())]:
                raise ConfigError(f'{name}:{n}: a tab in the indentation')
            content = _strip_comment(line.strip()) if not line.lstrip().startswith('#') else ''
            if content:
                self.items.append((n, len(line) - len(line.lstrip()), content))
        self.i = 0

    def peek(self):
        return self.items[self.i] if self.i < len(self.items) else None

    def where(self, n):
        return f'{self.name}:{n}'


def _block_scalar(lines, n, indicator, parent_indent):
    """The text of a | or > scalar that starts after line N."""
    fold, chomp = indicator[0] == '>', indicator[1:]
    if chomp not in ('', '-'):
        raise ConfigError(f'{lines.where(n)}: block scalar indicator {indicator!r} not taken')
    body, indent = [], None
    for k in range(n, len(lines.raw)):
        line = lines.raw[k]
        if line.strip() and len(line) - len(line.lstrip()) <= parent_indent:
            break
        if indent is None and line.strip():
            indent = len(line) - len(line.lstrip())
        body.append(line[indent:] if indent is not None else '')
    while lines.peek() and lines.peek()[0] <= n + len(body):
        lines.i += 1
    while body and not body[-1].strip():
        body.pop()
    text = ' '.join(body) if fold else '\n'.join(body)
    return text if chomp == '-' else text + '\n'


def _value(lines, n, indent, rest):
    """The value after 'key:' on line N (REST), or the block below it."""
    if rest in ('|', '|-', '>', '>-'):
        return _block_scalar(lines, n, rest, indent)
    if rest:
        return _scalar(rest, lines.where(n))
    nxt = lines.peek()
    if not nxt or nxt[1] <= indent and not (nxt[1] == indent and nxt[2].startswith('- ')):
        return None
    return _node(lines, nxt[1])


def _node(lines, indent):
    n, ind, content = lines.peek()
    if content.startswith('- ') or content == '-':
        return _sequence(lines, ind)
    return _mapping(lines, ind)


def _mapping(lines, indent, first=None):
    out = {}
    if first:
        n, key, rest = first
        out[key] = _value(lines, n, indent, rest)
    while lines.peek() and lines.peek()[1] == indent and not lines.peek()[2].startswith('- '):
        n, _, content = lines.peek()
        m = _KEY.match(content)
        if not m:
            raise ConfigError(f'{lines.where(n)}: expected "key: value", not {content!r}')
        lines.i += 1
        if m.group(1) in out:
            raise ConfigError(f'{lines.where(n)}: {m.group(1)!r} twice')
        out[m.group(1)] = _value(lines, n, indent, m.group(2) or '')
    if lines.peek() and lines.peek()[1] > indent:
        n = lines.peek()[0]
        raise ConfigError(f'{lines.where(n)}: unexpected indentation')
    return out


def _sequence(lines, indent):
    out = []
    while lines.peek() and lines.peek()[1] == indent and (lines.peek()[2].startswith('- ') or lines.peek()[2] == '-'):
        n, _, content = lines.peek()
        lines.i += 1
        item = content[2:].strip()
        m = _KEY.match(item)
        if m:  # "- key: value" opens a mapping whose keys sit two columns in
            out.append(_mapping(lines, indent + 2, (n, m.group(1), m.group(2) or '')))
        elif item:
            out.append(_scalar(item, lines.where(n)))
        else:
            out.append(_node(lines, lines.peek()[1]) if lines.peek() and lines.peek()[1] > indent else None)
    return out


def parse(text, name='workflow'):
    """The document as dicts, lists and strings."""
    lines = _Lines(text, name)
    if not lines.peek():
        return {}
    doc = _node(lines, lines.peek()[1])
    if lines.peek():
        raise ConfigError(f'{lines.where(lines.peek()[0])}: text after the document')
    return doc


def load(path):
    with open(path, encoding='utf-8') as f:
        return parse(f.read(), path)


# ---- expressions: the ${{ ... }} forms the workflow uses, and nothing more ----

_EXPR = re.compile(r'\$\{\{\s*(.*?)\s*\}\}')


class Context:
    """What an expression can name: matrix.*, needs.<job>.outputs.* (NEEDS: {job: its
    outputs}), steps.<id>.outputs.* (STEPS: {id: its outputs}),
    inputs.*, github.event_name / ref / run_id, and hashFiles(...) over WORKSPACE."""

    def __init__(self, github, inputs=None, matrix=None, needs=None, steps=None, hash_files=None):
        # kept as given (not copied): the caller adds step outputs as the job goes on
        self.github = github
        self.inputs = {} if inputs is None else inputs
        self.matrix = {} if matrix is None else matrix
        self.needs = {} if needs is None else needs
        self.steps = {} if steps is None else steps
        self.hash_files = hash_files

    def value(self, expr):
        """The value of one expression (the text inside ${{ }})."""
        expr = expr.strip()
        m = re.fullmatch(r'fromJSON\((.*)\)', expr)
        if m:
            text = self.value(m.group(1))
            try:
                return json.loads(text)
            except ValueError as e:
                raise ConfigError(f'fromJSON({m.group(1)}): not JSON ({e}): {str(text)[:80]!r}') from None
        m = re.fullmatch(r'hashFiles\((.*)\)', expr)
        if m and self.hash_files:
            return self.hash_files([w.strip().strip("'") for w in m.group(1).split(',')])
        path = expr.split('.')
        roots = {'matrix': self.matrix, 'inputs': self.inputs, 'github': self.github}
        if path[0] in roots and len(path) == 2:
            return roots[path[0]].get(path[1], '')
        if path[0] in ('needs', 'steps') and len(path) == 4 and path[2] == 'outputs':
            return (self.needs if path[0] == 'needs' else self.steps).get(path[1], {}).get(path[3], '')
        raise ConfigError(f'expression ${{{{ {expr} }}}} is not one this reader evaluates')

    def expand(self, text):
        """TEXT with every ${{ }} replaced; an expression that is the whole TEXT keeps its type."""
        if not isinstance(text, str):
            return text
        whole = _EXPR.fullmatch(text.strip())
        if whole:
            return self.value(whole.group(1))
        return _EXPR.sub(lambda m: str(self.value(m.group(1))), text)

    def condition(self, text, failed):
        """A step's if: true to run it (after a failure only always() runs)."""
        if text is None:
            return not failed
        expr = _EXPR.fullmatch(text.strip())
        expr = expr.group(1) if expr else text.strip()
        if expr == 'always()':
            return True
        if expr in ('success()',):
            return not failed
        if expr == 'failure()':
            return failed
        raise ConfigError(f'if: {text} is not a condition this reader evaluates')
