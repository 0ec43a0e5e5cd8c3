# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Debian's archive: a private apt per suite and architecture under the cache (the
host's apt state is never touched) that finds, resolves and pins packages (Pin rows;
their files: pinfile.py; processes and the cache: proc.py)."""
import fnmatch
import os
import re
import subprocess
import time
import urllib.parse
from collections import namedtuple

from .errors import ArchiveError
from .proc import cache, locked, run, slurp

Pin = namedtuple('Pin', 'suite arch package version sha256 resolver')
MAX_AGE = int(os.environ.get('HBC_APT_MAX_AGE', 6 * 3600))


def mirror():
    """The archive URI: HBC_DEBIAN_MIRROR, else the host apt's Debian source."""
    if os.environ.get('HBC_DEBIAN_MIRROR'):
        return os.environ['HBC_DEBIAN_MIRROR'].rstrip('/')
    fmt = ['--format', '$(REPO_URI) $(LABEL)']
    for line in run(['apt-get', 'indextargets'] + fmt).splitlines():
        if line.split()[1:] == ['Debian']:
            return line.split()[0].rstrip('/')
    for line in run(['apt-get', 'indextargets', '--no-release-info'] + fmt).splitlines():
        if line.split()[0].rstrip('/').endswith('/debian'):
            return line.split()[0].rstrip('/')
    raise ArchiveError('no Debian archive in the host apt configuration: set HBC_DEBIAN_MIRROR')


class Apt:
    """apt-get/apt-cache for one suite and architecture, with their own state."""

    def __init__(self, suite, arch):
        self.suite, self.arch, self.dir = suite, arch, cache('apt', f'{suite}-{arch}')
        self.env = dict(os.environ, APT_CONFIG=os.path.join(self.dir, 'apt.conf'), LC_ALL='C')
        self.fresh = False

    def _configure(self):
        d = self.dir
        for sub in ('lists/partial', 'cache/archives/partial', 'state'):  # (again: lists may be gone)
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        keyring = os.environ.get('HBC_DEBIAN_KEYRING', '/usr/share/keyrings/debian-archive-keyring.gpg')
        files = {
            'sources.list': f'deb [signed-by={keyring}] {mirror()} {self.suite} '
                            f'{os.environ.get("HBC_DEBIAN_COMPONENTS", "main")}\n',
            'apt.conf': ''.join(f'{k} "{v}";\n' for k, v in [
                ('Dir::Etc::SourceList', f'{d}/sources.list'), ('Dir::Etc::SourceParts', '/dev/null'),
                ('Dir::Etc::Preferences', '/dev/null'), ('Dir::Etc::PreferencesParts', '/dev/null'),
                ('Dir::State', f'{d}/state'), ('Dir::State::Lists', f'{d}/lists'),
                ('Dir::State::status', f'{d}/status'), ('Dir::Cache', f'{d}/cache'),
                ('APT::Architecture', self.arch), ('APT::Architectures', self.arch),
                ('APT::Install-Recommends', 'false'), ('APT::Sandbox::User', 'root'),
                ('Acquire::Languages', 'none')]),
        }
        changed = False
        for name, text in files.items():
            path = os.path.join(d, name)
            if not os.path.exists(path) or slurp(path) != text:
                with open(path, 'w') as f:
                    f.write(text)
                changed = True
        open(os.path.join(d, 'status'), 'a').close()
        return changed

    def update(self, force=False):
        """Refresh the index when older than HBC_APT_MAX_AGE; any W:/E: is an error."""
        if self.fresh and not force:
            return
        with locked('apt', f'{self.suite}-{self.arch}', 'lock'):
            stamp, lists = os.path.join(self.dir, 'updated'), os.path.join(self.dir, 'lists')
            stale = self._configure() or force or not os.path.exists(stamp) \
                or time.time() - os.path.getmtime(stamp) > MAX_AGE \
                or not [f for f in os.listdir(lists) if f.endswith('Release')]
            if stale:
                if os.path.exists(stamp):
                    os.unlink(stamp)
                p = subprocess.run(['apt-get', '-q', 'update'], env=self.env, capture_output=True, text=True)
                bad = [l for l in (p.stdout + p.stderr).splitlines() if re.match(r'(W|E|Err):', l)]
                if p.returncode or bad:
                    raise ArchiveError(f'the {self.suite}/{self.arch} index is unusable here: '
                                       + '; '.join(bad or [p.stderr.strip()]))
                open(stamp, 'w').close()
        self.fresh = True

    def apt(self, tool, *args, cwd=None):
        self.update()
        return run([tool] + list(args), env=self.env, cwd=cwd)

    def records(self, specs):
        """{package: fields} of the index records of SPECS ((package, version or None)
        pairs; the candidate when no version): one apt-cache call; missing ones left out."""
        self.update()
        p = subprocess.run(['apt-cache', 'show', '--no-all-versions'] + [self.spec(*s) for s in specs],
                           env=self.env, capture_output=True, text=True)
        out = {}
        for block in p.stdout.split('\n\n'):
            fields, key = {}, None
            for line in block.splitlines():
                if line[:1] in (' ', '\t') and key:
                    fields[key] += '\n' + line.strip()
                elif ':' in line:
                    key, value = line.split(':', 1)
                    fields[key] = value.strip()
            if 'Package' in fields:
                out.setdefault(fields['Package'], fields)
        return out

    def record(self, pkg, version=None):
        """The index record of PKG (its candidate, or VERSION) as a dict, or None."""
        return self.records([(pkg, version)]).get(pkg)

    def architectures(self):
        self.update()
        for name in os.listdir(os.path.join(self.dir, 'lists')):
            if name.endswith('InRelease'):
                m = re.search(r'^Architectures: (.*)$', slurp(os.path.join(self.dir, 'lists', name)), re.M)
                return m.group(1).split() if m else []
        return []

    def installs(self, *wanted):
        """(package, version) of everything 'apt-get install WANTED' would install."""
        out = self.apt('apt-get', '-s', '-q', 'install', *wanted)
        got = [m.groups() for m in re.finditer(r'^Inst (\S+) \((\S+)', out, re.M)]
        if not got:
            raise ArchiveError(f'apt resolved nothing for {" ".join(wanted)} in {self.suite}/{self.arch}')
        return got

    def resolve(self, meta, globs):
        """The first package matching a glob (in glob order) among META's dependencies,
        three levels deep (a backports index alone cannot resolve a whole closure)."""
        if not self.record(meta):
            raise ArchiveError(f'{meta} is not in {self.suite}/{self.arch}')
        seen, level = [], [meta]
        for _ in range(3):
            recs = self.records([(p, None) for p in level])
            level = []
            for rec in recs.values():
                for dep in (rec.get('Pre-Depends', '') + ',' + rec.get('Depends', '')).split(','):
                    name = re.sub(r'[ (:].*', '', dep.split('|')[0].strip())
                    if name and name not in seen:
                        seen.append(name)
                        level.append(name)
        for glob in globs.split(','):
            for name in seen:
                if fnmatch.fnmatchcase(name, glob):
                    return name
        raise ArchiveError(f'no dependency of {meta} ({self.suite}/{self.arch}) matches {globs}')

    def spec(self, pkg, version=None):
        return f'{pkg}:{self.arch}' + (f'={version}' if version else '')

    def pins(self, specs, resolver=None):
        """Pin rows for (package, version or None) pairs, from the index's records."""
        out = self.apt('apt-get', 'download', '--print-uris', *[self.spec(*s) for s in specs])
        rows = []
        for line in out.splitlines():
            _, name, _, digest = line.split()
            pkg, ver = urllib.parse.unquote(name).split('_')[:2]
            if not digest.startswith('SHA256:'):
                raise ArchiveError(f'no SHA256 for {name} in the {self.suite}/{self.arch} index')
            rows.append(Pin(self.suite, self.arch, pkg, ver, digest[7:], resolver))
        return rows

    def closure(self, wanted, resolver):
        """Pin rows of WANTED and everything it depends on (recommends left out)."""
        return sorted(self.pins(self.installs(*wanted), resolver), key=lambda r: r.package)
