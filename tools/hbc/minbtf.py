# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Where each corpus kernel's BTF comes from, and the minimal BTFs the loader carries for
the kernels built without it: for every row of arch/arches.txt, every kernel of
vmlinux/corpus.txt of that architecture is looked at. One that carries BTF is listed as
"kernel"; one that does not (Debian's armhf kernels, bookworm's ppc64el and s390x ones) gets
the BTF of its DWARF (pahole -J of its -dbg package, hbc.kimage) cut down by bpftool gen
min_core_btf to the types the architecture's BPF object relocates against, as
<release>.btf, listed as "embedded" (ci/vmlinux.py min-btf [--verify]). BTF per kernel
release, not per architecture. The -dbg packages are large (0.6-0.7 GB each) and cached;
nothing else needs them."""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

from . import TOP, btfindex, kimage, pinfile
from .errors import ConfigError, ToolError
from .proc import run

HERE = os.path.join(TOP, 'vmlinux')
CORPUS = os.path.join(HERE, 'corpus.txt')
HEADER = '# release  suite  package  version  deb-sha256  btf  btf-sha256  bytes'


def directory(row):
    return os.path.join(HERE, row['name'], 'min-btf')


def corpus(row):
    pins = [p for p in pinfile.read_pins(CORPUS)[0] if p.arch == row['debarch']]
    releases = [kimage.release_of(p) for p in pins]
    twice = {r for r in releases if releases.count(r) > 1}
    if twice:  # the loader picks by uname -r alone
        raise ConfigError(f'{CORPUS} has release(s) {", ".join(sorted(twice))} more than once: '
                          'the loader picks a BTF by uname -r alone')
    return pins


def bpftool():
    """A bpftool whose libbpf opens objects of either byte order (ci/bpftool.sh)."""
    p = subprocess.run([os.path.join(TOP, 'ci', 'bpftool.sh')], capture_output=True, text=True)
    if p.returncode:
        raise ToolError(p.stderr.strip() or 'ci/bpftool.sh failed')
    return p.stdout.strip()


# The BTF header every libbpf reads in either byte order: libbpf (to 1.7 at least) refuses
# BTF of the other byte order whose header is not 24 bytes (ENOTSUP), and bpftool with
# libbpf 1.8 writes the 32 bytes of Linux 7.x's header (layout_off, layout_len). The
# loader reads the BTF of an s390x kernel, written on a little-endian host, on a
# big-endian one.
HEADER_LEN = 24


def header_len(blob):
    order = kimage.btf_order(blob)
    if not order:
        raise ToolError('bpftool wrote no BTF (no BTF magic)')
    return order, struct.unpack_from(order + 'I', blob, 4)[0]


def classic_header(blob):
    """BLOB with the 24-byte BTF header: a longer one whose extra fields are the layout
    section's, which a minimal BTF leaves empty, loses them (the sections' offsets count
    from the header's end, so nothing else moves); anything else is an error."""
    order, hdr = header_len(blob)
    if hdr == HEADER_LEN:
        return blob
    if hdr != 32 or struct.unpack_from(order + 'I', blob, 28)[0] != 0:
        raise ToolError(f'bpftool wrote a BTF header of {hdr} bytes with a non-empty layout section: '
                        'the loaders\' libbpf reads only 24-byte headers in the other byte order')
    return blob[:4] + struct.pack(order + 'I', HEADER_LEN) + blob[8:HEADER_LEN] + blob[hdr:]


def minimal(tool, full, obj):
    """The types of FULL (a kernel's BTF) that OBJ relocates against: bpftool gen min_core_btf."""
    with tempfile.TemporaryDirectory() as tmp:
        run([tool, 'gen', 'min_core_btf', full, os.path.join(tmp, 'btf'), obj])
        return classic_header(open(os.path.join(tmp, 'btf'), 'rb').read())


def _line(release, pin, kind, blob):
    digest, size = (hashlib.sha256(blob).hexdigest(), len(blob)) if blob is not None else ('-', '-')
    return (f'{release:<28} {pin.suite:<18} {pin.package:<40} {pin.version:<20} {pin.sha256} '
            f'{kind:<8} {digest} {size}')


def generate(row, obj):
    out = directory(row)
    os.makedirs(out, exist_ok=True)
    pins = corpus(row)
    tool = None  # ci/bpftool.sh's, fetched only for a kernel without BTF
    lines, how, keep, total = [], [], set(), 0
    for pin, deb in zip(pins, pinfile.fetch(pins, CORPUS)):
        release = kimage.release_of(pin)
        if kimage.carries_btf(deb):
            lines.append(_line(release, pin, 'kernel', None))
            print(f'vmlinux.py: {row["name"]}: {release} ({pin.suite}): the kernel has BTF', file=sys.stderr)
            continue
        if not obj:
            raise ConfigError(f'{pin.package} ({pin.suite}) has no BTF: the minimal one needs '
                              f'{row["name"]}\'s BPF object (run ci/build.sh, or give --object FILE)')
        full = kimage.btf(deb, pin)
        tool = tool or bpftool()
        blob = minimal(tool, full, obj)
        with open(os.path.join(out, f'{release}.btf'), 'wb') as f:
            f.write(blob)
        keep.add(f'{release}.btf')
        total += len(blob)
        lines.append(_line(release, pin, 'embedded', blob))
        how.append(f'#   {release}: {open(full + ".how").read().strip()}')
        print(f'vmlinux.py: {row["name"]}: {release} ({pin.suite}): no BTF, embedded {len(blob)} bytes',
              file=sys.stderr)
    for name in os.listdir(out):
        if name.endswith('.btf') and name not in keep:
            os.unlink(os.path.join(out, name))
    made = ''
    if keep:
        objsum = hashlib.sha256(open(obj, 'rb').read()).hexdigest()
        tools = ' '.join(run([tool, 'version']).split('\n')[:2]).strip()
        made = (f' The embedded ones for {os.path.basename(obj)} sha256 {objsum},\n# with {tools}; '
                'their full BTFs:\n' + '\n'.join(how))
    with open(os.path.join(out, 'index.txt'), 'w') as f:
        f.write(f'# written by ci/vmlinux.py min-btf {row["name"]}; do not edit.{made}\n'
                f'{HEADER}\n' + '\n'.join(lines) + '\n')
    print(f'vmlinux.py: {row["name"]}: {len(lines)} kernels, {len(keep)} without BTF ({total} bytes embedded)',
          file=sys.stderr)


def verify(row):
    try:
        rows = btfindex.read(directory(row))
    except btfindex.Stale as e:
        raise ConfigError(f'{e}; run ci/vmlinux.py min-btf {row["name"]}') from None
    except FileNotFoundError:
        raise ConfigError(f'no {os.path.relpath(directory(row), TOP)}/index.txt: '
                          f'run ci/vmlinux.py min-btf {row["name"]}') from None
    pins = {p.sha256: p for p in corpus(row)}
    for r in rows:
        if r.deb_sha256 not in pins:
            raise ConfigError(f'{r.release} ({r.package} {r.version}) is not in {CORPUS}; '
                              f'run ci/vmlinux.py min-btf {row["name"]}')
    missing = set(pins) - {r.deb_sha256 for r in rows}
    if missing:
        raise ConfigError(f'{len(missing)} kernel(s) of {CORPUS} are not in the index '
                 f'({", ".join(pins[s].package for s in sorted(missing))}); run ci/vmlinux.py min-btf {row["name"]}')
    for r in rows:
        if r.btf == 'embedded' and header_len(r.blob)[1] != HEADER_LEN:
            raise ConfigError(f'{r.path}: a BTF header of {header_len(r.blob)[1]} bytes, which libbpf does not '
                              f'read in the other byte order; run ci/vmlinux.py min-btf {row["name"]}')
    n = sum(r.btf == 'embedded' for r in rows)
    print(f'vmlinux.py: {row["name"]}: ok ({len(rows)} kernels: {len(rows) - n} with BTF, {n} without, for which the loader embeds a minimal BTF)')
