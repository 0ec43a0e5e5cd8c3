# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The matrix: pin files and the arch table in, entries out (one per VM to boot)."""
import json
import os
import re
from dataclasses import dataclass

from .. import TOP, debian, kimage, pinfile
from ..errors import ConfigError, UsageError
from .config import CORPUS_PINS, KERNEL_PINS, conf, say


@dataclass
class Entry:
    row: dict                       # the arch table row
    suite: str
    pin: debian.Pin = None          # None: no kernel pinned for this architecture
    pins: str = KERNEL_PINS         # the pin file PIN is a row of
    image: object = None            # --kernel-file: its kfile.Image (PIN: the file, its release)
    modules: str = None             # --modules: the image's /lib/modules/<release> tree
    btf: str = None                 # --btf: the BTF of an image without its own

    @property
    def label(self):
        if self.image:
            return f'file-{self.pin.version if self.pin.version != "-" else self.pin.sha256[:12]}'
        return re.sub(r'^linux-(image|binary)-', '', self.pin.package) if self.pin else '-'

    @property
    def id(self):
        return f'{self.row["name"]}-{self.suite}-{self.label}'

    def missing_kernel(self, pins=KERNEL_PINS):
        """What to run when no kernel is pinned for this row."""
        return (f'no kernel pinned for {self.row["debarch"]} in {pins} '
                f'(ci/pins.py add {os.path.relpath(pins, TOP)} SUITE {self.row["debarch"]} '
                f'"{self.row["kernel-package"]}>{conf("kernel-image-globs")}")')


def default_matrix(table, wanted, pins=KERNEL_PINS):
    """An entry per pinned kernel of the WANTED rows (all when empty), and a failing
    entry (no pin) for a wanted row without one: a gap is reported, never skipped."""
    out = []
    for pin in pinfile.read_pins(pins)[0]:
        row = next((r for r in table if r['debarch'] == pin.arch), None)
        if row is None:
            say(f'{pins}: no row of the arch table has debarch {pin.arch}; skipped')
        elif not wanted or row['name'] in wanted:
            out.append(Entry(row, pin.suite, pin))
    for row in table:
        if (not wanted or row['name'] in wanted) and not any(e.row is row for e in out):
            out.append(Entry(row, '-'))
    return out


def corpus_matrix(table, wanted, pins=CORPUS_PINS):
    """--all: an entry per kernel of the CO-RE corpus (PINS) of the WANTED rows (all when
    empty), in the corpus's order."""
    rows = {r['debarch']: r for r in table}
    return [Entry(rows[p.arch], p.suite, p, pins) for p in pinfile.read_pins(pins)[0]
            if p.arch in rows and (not wanted or rows[p.arch]['name'] in wanted)]


def parse_shard(spec):
    """--shard I/N as (I, N), 1 <= I <= N; a ConfigError saying the form otherwise."""
    m = re.fullmatch(r'([1-9][0-9]*)/([1-9][0-9]*)', spec)
    if not m or int(m[1]) > int(m[2]):
        raise ConfigError(f'--shard {spec}: expects I/N, two whole numbers with 1 <= I <= N (e.g. 3/8)')
    return int(m[1]), int(m[2])


def shard(entries, i, n):
    """The I-th of N shards of ENTRIES: every N-th entry in id order from the I-th on.
    The N shards are disjoint and cover ENTRIES whatever order they come in; in id order
    (architecture first) each shard takes a share of every architecture, so shards cost
    about the same."""
    return [e for k, e in enumerate(sorted(entries, key=lambda e: e.id)) if k % n == i - 1]


def shard_plan(entries, n):
    """--shards-json N: the hosted CI's matrix of N shards of ENTRIES (an id, the --shard
    value, how many kernels it boots); an empty shard (N above the entries) is left out."""
    out = [{'id': f'shard-{i}-of-{n}', 'shard': f'{i}/{n}', 'kernels': len(shard(entries, i, n))}
           for i in range(1, n + 1)]
    return json.dumps([s for s in out if s['kernels']])


def needs_release(image, option, so):
    """UsageError for OPTION when IMAGE names no release (SO: what is then missing)."""
    if image.release == '-':
        raise UsageError(f'{option}: {image.path} names no release ("Linux version ..."), so there is {so}')


def file_entry(row, path, image, suite, modules=None, btf=None):
    """The entry for --kernel-file PATH (IMAGE: its kfile.identify) with the guest root of
    SUITE: a pin of the file itself (its name, its release as the version, its SHA-256).
    MODULES: a directory with the image's modules (modules.dep in it, or in MODULES/<release>);
    BTF: a file with its BTF, for an image without."""
    pin = debian.Pin(suite, row['debarch'], os.path.basename(path), image.release, image.sha256, None)
    if modules:
        tree = next((d for d in (modules, os.path.join(modules, image.release))
                     if os.path.isfile(os.path.join(d, 'modules.dep'))), None)
        if not tree:
            raise UsageError(f'--modules {modules}: no modules.dep in it nor in {image.release}/ below it '
                             f'(a /lib/modules/<release> tree, as "make modules_install" or a kernel package has it)')
        needs_release(image, f'--modules {modules}', 'no /lib/modules/<release> to put them in')
        modules = tree
    if btf:
        with open(btf, 'rb') as f:
            if not kimage.find_btf(f.read()):
                raise UsageError(f'--btf {btf}: no BTF in it (raw BTF, e.g. pahole -J of the kernel\'s vmlinux)')
        needs_release(image, f'--btf {btf}', 'no /boot/vmlinux-<release> for the guest to find it at')
    return Entry(row, suite, pin, pins=None, image=image, modules=modules, btf=btf)


def kernel_entry(table, wanted, spec, suite, pins=KERNEL_PINS):
    """The entry for --kernel PKG[=VERSION]: pinned if PINS has it, else from the archive."""
    pkg, _, ver = spec.partition('=')
    rows = [r for r in table if r['name'] in wanted] if len(wanted) == 1 else \
        [r for r in table if pkg.endswith('-' + r['debarch'])]
    if len(rows) != 1:
        raise ConfigError(f'--kernel {spec}: give one --arch (its name does not end in -DEBARCH of one row)')
    row = rows[0]
    for pin in pinfile.read_pins(pins)[0]:
        if pin.arch == row['debarch'] and pin.package == pkg and ver in ('', pin.version):
            return Entry(row, pin.suite, pin)
    for s in [suite] if suite else conf('kernel-search-suites').split():
        apt = debian.Apt(s, row['debarch'])
        if row['debarch'] not in apt.architectures() or not apt.record(pkg):
            continue
        globs = conf('kernel-image-globs')
        image = pkg if any(re.fullmatch(g.replace('*', '.*'), pkg) for g in globs.split(',')) \
            else apt.resolve(pkg, globs)
        if ver and image != pkg:
            say(f'--kernel {spec}: {pkg} is a meta package; using the current {image}')
        pin = apt.pins([(image, ver if image == pkg else None)])[0]
        say(f'kernel from --kernel {spec}: {s}/{pin.arch} {pin.package} {pin.version} sha256 {pin.sha256}')
        return Entry(row, s, pin)
    raise debian.ArchiveError(f'--kernel {spec}: no {pkg} for {row["debarch"]} in: '
                              f'{suite or conf("kernel-search-suites")}')


def listing(matrix, kind):
    """--list (a table) or --list-json (the hosted CI's matrix) of the entries."""
    if kind == 'json':  # an architecture without a pinned kernel is an entry too: it fails
        return json.dumps([{'id': e.id, 'arch': e.row['name'], 'debarch': e.row['debarch'], 'suite': e.suite,
                            'kernel': f'{e.pin.package}={e.pin.version}' if e.pin else ''} for e in matrix])
    fmt = '{:<8} {:<8} {:<18} {:<34} {:<24} {}'
    out = [fmt.format('ARCH', 'DEBARCH', 'SUITE', 'KERNEL', 'VERSION', 'QEMU')]
    for e in matrix:
        r = e.row
        out.append(fmt.format(r['name'], r['debarch'], e.suite, e.label, e.pin.version if e.pin else '-',
                              f'{r["qemu"]} -M {r["qmachine"]} -cpu {r["qcpu"]} console={r["console"]}'))
    return '\n'.join(out)
