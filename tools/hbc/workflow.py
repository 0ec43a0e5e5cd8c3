# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The hosted-CI workflow file (.github/workflows/vm.yml), read with PyYAML (Debian's
python3-yaml) as the rehearsal takes it: yaml's BaseLoader keeps every scalar a string
(the expressions below work on strings; "on:" stays a key, not YAML 1.1's true).
A file that is not YAML is a ConfigError naming it; then the ${{ }} expressions of it."""
import json
import re

import yaml

from .errors import ConfigError


def parse(text, name='workflow'):
    """The document as dicts, lists and strings."""
    try:
        doc = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as e:
        raise ConfigError(f'{name}: not YAML: {e}') from None
    return {} if doc is None else doc


def load(path):
    with open(path, encoding='utf-8') as f:
        return parse(f.read(), path)



def needs(job):
    """The jobs JOB (a job's mapping) needs: its needs:, a name or a list."""
    named = job.get('needs') or []
    return [named] if isinstance(named, str) else list(named)

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
        """An if: (a step's or a job's) true to run it; after a failure only always() and
        failure() run."""
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
        return not failed and self.truth(expr, text)

    def truth(self, expr, text):
        """EXPR of ||, && (binding tighter) and NAME == / != 'STRING' comparisons."""
        for op, join in (('||', any), ('&&', all)):
            if op in expr:
                return join(self.truth(part, text) for part in expr.split(op))
        m = re.fullmatch(r"\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*", expr)
        if not m:
            raise ConfigError(f'if: {text} is not a condition this reader evaluates')
        return (str(self.value(m.group(1))) == m.group(3)) == (m.group(2) == '==')
