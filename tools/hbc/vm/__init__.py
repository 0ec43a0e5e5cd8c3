# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The VM matrix (ci/vm/README.md), in parts that are each testable alone:

  config    vm.conf and the pin files' paths; StageError
  matrix    pins + arch table -> entries (Entry, default_matrix, kernel_entry, listing)
  roots     guest roots: mmdebstrap of the pinned packages, cached
  resolve   one entry resolved once: packages, kernel (.deb verified once, image, BTF), root
  overlay   what one run adds to the root (from a resolved entry): the test, /hbc/env,
            repositories, tools, BTFs
  accel     KVM or TCG, decided once a guest ran (Accel, Policy, probe)
  qemu      one QEMU run: command line, stage limits, the watched process (Run)
  verdict   the guest's console protocol and the verdict read from it
  runner    the matrix run (Runner) and its table"""
