# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Where one job of the rehearsal (hbc.rehearsal) runs: a fresh root of its container's
Debian suite, made the way the debian:<suite> image is (mmdebstrap --variant=minbase from
the machine's archive, made once and cached), this machine's apt settings for reaching
the archive copied in, entered with chroot in a mount namespace of its own (/proc, /sys
and /dev bound as a privileged container has them); or, for a job without a container,
a directory of its own on this machine."""
import os
import shlex
import shutil
import subprocess
import time

from . import debian
from .errors import ConfigError
from .proc import cache, locked, run

WORKSPACE = '/__w/hello-buffer-config/hello-buffer-config'   # where GitHub puts it in a container
HOME = '/github/home'


def say(msg):
    print(f'rehearse: {msg}', flush=True)


def minbase_root(suite):
    """A tarball of a minbase root of SUITE (the debian:SUITE image's way), made once."""
    path = cache('rehearsal', f'{suite}-minbase.tar')
    with locked('rehearsal', f'.{suite}.lock'):
        if not os.path.exists(path):
            mirror = debian.mirror()
            t0 = time.time()
            run(['mmdebstrap', '--mode=root', '--variant=minbase', '--aptopt=Acquire::Languages "none"',
                 suite, path + '.tmp.tar', f'deb {mirror} {suite} main', f'deb {mirror} {suite}-updates main'],
                what=f'mmdebstrap --variant=minbase {suite}')  # a .tar name: mmdebstrap writes a tarball
            os.rename(path + '.tmp.tar', path)
            say(f'made the {suite} minbase root in {time.time() - t0:.0f} s ({os.path.getsize(path) >> 20} MiB)')
    return path


def acquire_settings(conf_dir='/etc/apt/apt.conf.d'):
    """The files of this machine's apt configuration that say how it reaches the archive
    (Acquire::...): a root the rehearsal makes reaches it the same way."""
    out = []
    for name in sorted(os.listdir(conf_dir)) if os.path.isdir(conf_dir) else []:
        path = os.path.join(conf_dir, name)
        with open(path, errors='replace') as f:
            if os.path.isfile(path) and 'Acquire::' in f.read():
                out.append(path)
    return out


class Job:
    """One job's place: a root (container jobs) or a directory, and its workspace in it."""

    def __init__(self, work, name, image):
        self.dir = os.path.join(work, f'job-{name}')
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.container = image is not None
        if image:
            if not image.startswith('debian:'):
                raise ConfigError(f'job {name}: container {image}: the rehearsal makes debian:<suite> roots only')
            self.root = os.path.join(self.dir, 'root')
            os.mkdir(self.root)
            run(['tar', '-C', self.root, '-xf', minbase_root(image.split(':', 1)[1])])
            for f in ('/etc/resolv.conf', '/etc/hosts'):  # as docker gives a container
                shutil.copy(f, self.root + f)
            for f in acquire_settings():  # how this machine reaches the archive (a proxy, a
                shutil.copy(f, self.root + f)  # frozen mirror's Check-Valid-Until "false")
            self.ws = WORKSPACE
        else:
            self.root = None
            self.ws = os.path.join(self.dir, 'workspace')
        os.makedirs(self.path(self.ws), exist_ok=True)
        os.makedirs(self.path(HOME if self.container else os.path.join(self.dir, 'home')), exist_ok=True)

    def path(self, p):
        """P (a path as the job sees it) as a path on this machine."""
        if not self.root:
            return p if os.path.isabs(p) else os.path.join(self.ws, p)
        return os.path.join(self.root, (p if os.path.isabs(p) else os.path.join(self.ws, p)).lstrip('/'))

    def has(self, tool):
        return os.path.exists(self.path(f'/usr/bin/{tool}')) if self.root else shutil.which(tool) is not None

    def shell(self, script, env, timeout):
        """Run SCRIPT with bash -e in the workspace; its exit status."""
        name = f'step-{time.monotonic_ns()}.sh'
        host = self.path(os.path.join('/tmp' if self.root else self.dir, name))
        with open(host, 'w') as f:
            f.write(script)
        inside = os.path.join('/tmp', name) if self.root else host
        cmd = f'cd {shlex.quote(self.ws)} && exec bash --noprofile --norc -e {shlex.quote(inside)}'
        if self.root:
            r = shlex.quote(self.root)
            cmd = (f'set -e; for d in proc sys dev; do mount --rbind /$d {r}/$d; done; '
                   f'exec chroot {r} /usr/bin/env -i {" ".join(shlex.quote(f"{k}={v}") for k, v in env.items())} '
                   f'/bin/bash -c {shlex.quote(cmd)}')
            argv = ['unshare', '--mount', '--propagation', 'private', 'bash', '-c', cmd]
            p = subprocess.run(argv, timeout=timeout)
        else:
            p = subprocess.run(['bash', '-c', cmd], env=env, timeout=timeout)
        return p.returncode
