# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The VM runner's settings: ci/vm/vm.conf ("key: value" lines) and the pin files, each
path overridable from the environment (the harness tests point them elsewhere)."""
import os
import sys

from .. import TOP
from ..errors import ConfigError

CONF = os.environ.get('HBC_VM_CONF', os.path.join(TOP, 'ci/vm/vm.conf'))
KERNEL_PINS = os.environ.get('HBC_VM_KERNEL_PINS', os.path.join(TOP, 'ci/vm/pins.txt'))
ROOT_PINS = os.environ.get('HBC_VM_ROOTFS_PINS', os.path.join(TOP, 'ci/vm/rootfs-pins.txt'))
# every kernel of the CO-RE corpus: what --all boots
CORPUS_PINS = os.environ.get('HBC_VM_CORPUS_PINS', os.path.join(TOP, 'vmlinux/corpus.txt'))


def say(msg):
    print(f'vm: {msg}', file=sys.stderr, flush=True)


def conf(key, default=None, path=None):
    """The value of KEY in vm.conf; DEFAULT if given, else a ConfigError naming the file."""
    path = path or CONF
    with open(path) as f:
        for line in f:
            k, _, v = line.split('#', 1)[0].partition(':')
            if k.strip() == key and v.strip():
                return v.strip()
    if default is None:
        raise ConfigError(f'{path} has no "{key}:" line')
    return default


class StageError(ConfigError):
    """A row failed before its guest ran (kernel, rootfs, package): the stage and why."""

    def __init__(self, stage, msg):
        super().__init__(f'failed at stage {stage}: {msg}')
        self.stage = stage
