# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The architecture table for the package: arch/arches.py is its one reader (meson and
the shell scripts run it as a command; it needs nothing of this package), loaded here
from its file so that the table is read one way everywhere."""
import importlib.util
import os

from . import TOP

_spec = importlib.util.spec_from_file_location('hbc_arch_table', os.path.join(TOP, 'arch', 'arches.py'))
_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_table)

TABLE = _table.TABLE
TableError = _table.TableError
rows = _table.rows
find = _table.find
column = _table.column
