# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""One exception type per failure domain. Every message says what failed and what to do
about it; the command-line tools print it and exit non-zero: vm-test.py 2 (no VM ran, and its
"vm: 0 passed, 1 failed" line), the others 1."""


class HbcError(Exception):
    """Base of everything the host tooling raises on purpose."""


class ConfigError(HbcError):
    """A file of this tree is wrong or lacks something: a pin file line, a vm.conf key,
    a generated file that no longer matches what it was made from. Fix the file."""


class ArchiveError(HbcError):
    """Debian's archive cannot give what a pin asks for: the index is unusable, a version
    was dropped at a point release, a download does not match its SHA-256."""


class CommandError(HbcError):
    """A host command failed; the message has the command and the end of its output."""


class ToolError(HbcError):
    """A host tool is missing and could not be installed (or a kernel feature it needs)."""


class UsageError(HbcError):
    """A command-line value is not what its option takes (a file that is no kernel image)."""
