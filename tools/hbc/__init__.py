# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The host tooling of hello-buffer-config, one package (the standard library and Debian's
python3-yaml), its
modules in pipeline order:

  errors     one exception type per failure domain
  proc       processes, the cache directory and its locks, digests
  arches     the architecture table (arch/arches.py, its one reader)
  debian     Debian's archive: a private apt per suite/arch, pin files, verified downloads
  kimage     kernel packages: the bootable image and the BTF inside (or made from DWARF)
  vmlinux    vmlinux/<arch>/vmlinux.h.xz and PROVENANCE from the pinned kernels
  btfindex   the one reader of vmlinux/<arch>/min-btf/index.txt
  minbtf     the minimal BTFs the loader embeds for kernels without BTF
  pinfile    pin files: rows, verified downloads, refresh, add
  vm         the QEMU VM matrix, in parts (hbc/vm/__init__.py)
  staticlibs what a static loader links in (the sysroot pins' .a packages) and their notices
  workflow   the hosted-CI workflow file (read with python3-yaml), its expressions
  jobroot    where one of its jobs runs: a fresh minbase root of its container's suite
  rehearsal  that workflow's jobs run here, step by step, with the actions they use mapped

The commands live beside the package, in tools/ (vm-test.py, pins.py, vmlinux.py,
rehearse.py; ci/ links to them), so that Python finds it without a path edit; tests and
build steps get it through PYTHONPATH=tools (meson sets it)."""
import os

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
