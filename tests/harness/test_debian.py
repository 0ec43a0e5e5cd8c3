#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The Debian-archive modules (tools/hbc/debian.py, pinfile.py) and ci/pins.py against a small signed
repository made here (file://, packaging/apt-repo.sh): pin files, resolvers, downloads
checked against their SHA-256, what a vanished or tampered package says, and an index
that apt rejects."""
import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
from hbc import debian, pinfile, proc  # PYTHONPATH=tools (tests/meson.build)
from hbc.errors import ConfigError

SUITE, ARCH = 'testing-hbc', 'amd64'


def write(path, text, mode='w'):
    with open(path, mode) as f:
        f.write(text)


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


class Archive(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        os.environ.update(GNUPGHOME=os.path.join(cls.tmp, 'gnupg'), HBC_CACHE_DIR=os.path.join(cls.tmp, 'cache'),
                          HBC_DEBIAN_MIRROR=f'file://{cls.tmp}/repo', HBC_DEBIAN_KEYRING=f'{cls.tmp}/repo/key.gpg')
        os.mkdir(os.environ['GNUPGHOME'], 0o700)
        sh('gpg', '--batch', '--passphrase', '', '--quick-gen-key', 'hbc test <t@invalid>', 'ed25519', 'sign', 'never')
        cls.key = sh('gpg', '--batch', '--list-keys', '--with-colons').split('fpr:::::::::')[1].split(':')[0]
        cls.debs = os.path.join(cls.tmp, 'debs')
        os.mkdir(cls.debs)
        for name, ver, extra in [('linux-image-test', '1', 'Depends: linux-image-1.0-test'),
                                 ('linux-image-1.0-test', '1.0-1', ''), ('hbc-a', '1', 'Depends: hbc-b'),
                                 ('hbc-b', '1', ''), ('hbc-ess', '1', 'Essential: yes'), ('hbc-other', '1', '')]:
            cls.deb(name, ver, extra)
        cls.publish()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    @classmethod
    def deb(cls, name, ver, extra):
        root = os.path.join(cls.tmp, 'build', name)
        os.makedirs(f'{root}/DEBIAN', exist_ok=True)
        write(f'{root}/DEBIAN/control', textwrap.dedent(f'''\
            Package: {name}
            Version: {ver}
            Architecture: {ARCH}
            Maintainer: t <t@invalid>
            Description: test package
            ''') + (extra + '\n' if extra else ''))
        sh('dpkg-deb', '--root-owner-group', '-b', root, f'{cls.debs}/{name}_{ver}_{ARCH}.deb')

    @classmethod
    def publish(cls, key=None):
        shutil.rmtree(f'{cls.tmp}/repo', ignore_errors=True)
        sh(f'{TOP}/packaging/apt-repo.sh', cls.debs, f'{cls.tmp}/repo',
           env=dict(os.environ, HBC_REPO_KEY=key or cls.key, HBC_REPO_SUITE=SUITE))
        os.rename(f'{cls.tmp}/repo/hello-buffer-config.gpg', f'{cls.tmp}/repo/key.gpg')

    def pinfile(self, text):
        path = os.path.join(self.tmp, 'pins.txt')
        write(path, text)
        return path

    def test_mirror_from_the_environment(self):
        self.assertEqual(debian.mirror(), f'file://{self.tmp}/repo')

    def test_pins_carry_the_archive_sha256_and_fetch_checks_it(self):
        apt = debian.Apt(SUITE, ARCH)
        pin = apt.pins([('hbc-b', None)])[0]
        self.assertEqual(pin.sha256, proc.sha256(f'{self.debs}/hbc-b_1_{ARCH}.deb'))
        path = pinfile.fetch([pin])[0]
        self.assertEqual(proc.sha256(path), pin.sha256)
        os.unlink(f'{self.tmp}/repo/pool/main/h/hbc-b/hbc-b_1_{ARCH}.deb')  # cached: not fetched again
        self.assertEqual(pinfile.fetch([pin]), [path])
        self.publish()

    def test_tampered_package(self):
        pin = debian.Pin(SUITE, ARCH, 'hbc-other', '1', '0' * 64, None)
        with self.assertRaisesRegex(debian.ArchiveError, r'hbc-other 1 .*downloaded SHA-256 [0-9a-f]{64}, pinned 0{64}; '
                                    r'refresh the pins with: ci/pins.py refresh x.txt'):
            pinfile.fetch([pin], 'x.txt')

    def test_vanished_version(self):
        pin = debian.Pin(SUITE, ARCH, 'hbc-other', '0.9', 'f' * 64, None)
        with self.assertRaisesRegex(debian.ArchiveError, r'hbc-other 0.9 \(testing-hbc/amd64\): no longer in the archive '
                                    r'.*; refresh the pins with: ci/pins.py refresh x.txt'):
            pinfile.fetch([pin], 'x.txt')

    def test_read_pins_names_the_bad_line(self):
        path = self.pinfile('# c\n@x a b\nsid amd64 p 1 ' + 'a' * 64 + ' m>g\nsid amd64 p 1 nothex\n')
        with self.assertRaisesRegex(ConfigError, r'pins.txt:4: not a pin row'):
            pinfile.read_pins(path)

    def test_refresh_resolves_metas_closures_and_new_versions(self):
        old = '0' * 64
        path = self.pinfile(f'# kept comment\n@c hbc-a ?essential\n'
                            f'{SUITE} {ARCH} hbc-other 0.5 {old}\n'
                            f'{SUITE} {ARCH} linux-image-0.1-test 0.1 {old}  linux-image-test>linux-image-[0-9]*\n'
                            f'{SUITE} {ARCH} hbc-a 0 {old}  @c\n')
        self.deb('hbc-other', '2', '')
        self.publish()
        p = subprocess.run([f'{TOP}/ci/pins.py', 'refresh', path], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f'{SUITE}/{ARCH} hbc-other 2: was hbc-other 0.5', p.stderr)
        self.assertIn(f'{SUITE}/{ARCH} linux-image-1.0-test 1.0-1: was linux-image-0.1-test 0.1', p.stderr)
        rows, closures = pinfile.read_pins(path)
        self.assertEqual(closures, {'@c': ['hbc-a', '?essential']})
        self.assertEqual(sorted(r.package for r in rows if r.resolver == '@c'), ['hbc-a', 'hbc-b', 'hbc-ess'])
        self.assertEqual([r.version for r in rows if r.package == 'hbc-other'], ['2'])
        self.assertTrue(proc.slurp(path).startswith('# kept comment\n@c hbc-a ?essential\n'))
        os.unlink(f'{self.debs}/hbc-other_2_{ARCH}.deb')
        self.publish()

    def test_add_and_fetch_commands(self):
        path = self.pinfile('# empty\n')
        sh(f'{TOP}/ci/pins.py', 'add', path, SUITE, ARCH, 'linux-image-test>linux-image-[0-9]*')
        out = sh(f'{TOP}/ci/pins.py', 'fetch', path, 'linux-image-test')
        self.assertTrue(out.strip().endswith(f'/debs/linux-image-1.0-test_1.0-1_{ARCH}.deb'), out)
        p = subprocess.run([f'{TOP}/ci/pins.py', 'fetch', path, 'nothing'], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr.strip()), (1, f'pins.py: error: no pin for nothing in {path}; '
                                                           f'add one with: ci/pins.py add {path} SUITE ARCH nothing'))

    def test_an_index_apt_rejects_is_an_error(self):
        with open(f'{self.tmp}/repo/key.gpg', 'rb') as f:
            good = f.read()
        self.publish(key=self.key)
        write(f'{self.tmp}/repo/key.gpg', b'not a key', 'wb')  # the signature cannot be checked
        with self.assertRaisesRegex(debian.ArchiveError, r'the testing-hbc/amd64 index is unusable here: .*'):
            debian.Apt(SUITE, ARCH).update(force=True)
        write(f'{self.tmp}/repo/key.gpg', good, 'wb')
        packages = f'{self.tmp}/repo/dists/{SUITE}/main/binary-{ARCH}/Packages'
        write(packages, '\n', 'a')  # what a mirror in the middle of a sync serves
        os.unlink(packages + '.gz')
        shutil.rmtree(proc.cache('apt', f'{SUITE}-{ARCH}', 'lists'))
        with self.assertRaisesRegex(debian.ArchiveError, r'index is unusable here: .*(Hash Sum|size)'):
            debian.Apt(SUITE, ARCH).update(force=True)
        self.publish()


if __name__ == '__main__':
    unittest.main(verbosity=2)
