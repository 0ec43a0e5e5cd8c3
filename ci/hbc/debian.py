# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Debian's archive, for every tool of this project: a private apt per suite and
architecture under the cache (the host's apt state is never touched), pin files, and
downloads checked against the pinned SHA-256. (Processes and the cache: proc.py.)

Pin file: '#' comments; rows "suite arch package version sha256 [resolver]"; resolver
  (absent)          the same package, at its current version
  META>GLOB[,GLOB]  the first package matching a GLOB in META's dependency closure
  @NAME             a member of the closure defined by a line "@NAME PKG..." (the
                    pattern ?essential allowed): all its rows are re-resolved together
"""
import fnmatch
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from collections import namedtuple

from .errors import ArchiveError, CommandError, ConfigError
from .proc import cache, locked, run, sha256, slurp

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


def read_pins(path):
    """(rows, closures): the Pin rows of a pin file and its "@NAME PKG..." definitions."""
    rows, closures = [], {}
    for n, line in enumerate(slurp(path).splitlines(), 1):
        words = line.split('#', 1)[0].split()
        if not words:
            continue
        if words[0].startswith('@'):
            closures[words[0]] = words[1:]
        elif len(words) in (5, 6) and re.fullmatch(r'[0-9a-f]{64}', words[4]):
            rows.append(Pin(*words[:5], words[5] if len(words) == 6 else None))
        else:
            raise ConfigError(f'{path}:{n}: not a pin row ("suite arch package version sha256 '
                              f'[resolver]"): {line.strip()}')
    return rows, closures


def write_pins(path, rows):
    """Replace the rows of PATH (comments and @ lines kept, in place of the old rows)."""
    head = [l for l in slurp(path).splitlines(True) if not l.split('#', 1)[0].strip() or l.startswith('@')]
    body = [f'{r.suite:<8} {r.arch:<8} {r.package:<36} {r.version:<24} {r.sha256}'
            + (f'  {r.resolver}' if r.resolver else '') + '\n' for r in rows]
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.writelines(head + body)
    os.replace(tmp, path)


def deb_path(pin):
    return cache('debs', f'{pin.package}_{pin.version.replace(":", "%3a")}_{pin.arch}.deb')


def fetch(pins, pinfile='PINFILE'):
    """The verified .deb of every pin (one apt-get download per suite/arch); paths in order."""
    missing = {}
    for pin in pins:
        path = deb_path(pin)
        if not (os.path.exists(path) and sha256(path) == pin.sha256):
            missing.setdefault((pin.suite, pin.arch), []).append(pin)
    for (suite, arch), todo in missing.items():
        _download(Apt(suite, arch), todo, f'refresh the pins with: ci/pins.py refresh {pinfile}')
    return [deb_path(p) for p in pins]


def _download(apt, todo, hint):
    os.makedirs(cache('debs'), exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache('debs')) as tmp:
        for attempt in (1, 2):  # a stale index may still list a superseded version
            try:
                apt.apt('apt-get', '-q', 'download', *[apt.spec(p.package, p.version) for p in todo], cwd=tmp)
                break
            except CommandError as e:
                if attempt == 1:
                    apt.update(force=True)
                    continue
                gone = [f'{p.package} {p.version}' for p in todo if not apt.record(p.package, p.version)]
                why = f'{", ".join(gone)} ({apt.suite}/{apt.arch}): no longer in the archive ' \
                    '(superseded at a point release?)' if gone else str(e)
                raise ArchiveError(f'{why}; {hint}') from None
        for pin in todo:
            got = [f for f in os.listdir(tmp) if f.startswith(pin.package + '_')]
            digest = sha256(os.path.join(tmp, got[0])) if got else 'none'
            if digest != pin.sha256:
                raise ArchiveError(f'{pin.package} {pin.version} ({apt.suite}/{apt.arch}): downloaded '
                                   f'SHA-256 {digest}, pinned {pin.sha256}; {hint}')
            shutil.move(os.path.join(tmp, got[0]), deb_path(pin))


def refresh(path, only=()):
    """Re-resolve the rows of a pin file (or those naming a package of ONLY) now; the
    file is rewritten only when every row resolved and downloaded. (old, new) rows."""
    rows, closures = read_pins(path)
    apts, groups = {}, {}
    for r in rows:  # one resolution per closure, meta package, or suite/arch of plain rows
        if only and r.package not in only and (r.resolver or '').split('>')[0] not in only:
            key = ('keep', r)
        elif r.resolver:
            key = (r.suite, r.arch, r.resolver)
        else:
            key = (r.suite, r.arch, None)
        groups.setdefault(key, []).append(r)
    out = []
    for key, members in groups.items():
        if key[0] == 'keep':
            out += members
            continue
        suite, arch, resolver = key
        if (suite, arch) not in apts:
            apts[suite, arch] = Apt(suite, arch)
            apts[suite, arch].update(force=True)
        apt = apts[suite, arch]
        if resolver and resolver.startswith('@'):
            out += apt.closure(closures[resolver], resolver)
        elif resolver:
            out += apt.pins([(apt.resolve(*resolver.split('>')), None)], resolver)
        else:
            out += apt.pins([(r.package, None) for r in members])
    fetch(out, path)
    write_pins(path, out)
    return rows, out


def add(path, suite, arch, spec):
    """Add the rows SPEC names (PACKAGE, META>GLOB[,GLOB] or @NAME) for SUITE/ARCH to the
    pin file PATH, downloaded and verified first. The new rows."""
    rows, closures = read_pins(path)
    apt = Apt(suite, arch)
    if spec.startswith('@'):
        if spec not in closures:
            raise ConfigError(f'{path} defines no closure {spec} (a line "{spec} PKG...")')
        new = apt.closure(closures[spec], spec)
    else:
        name = apt.resolve(*spec.split('>')) if '>' in spec else spec
        new = apt.pins([(name, None)], spec if '>' in spec else None)
    fetch(new, path)
    write_pins(path, rows + [r for r in new if r not in rows])
    return new
