#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A file system whose one file takes SECONDS to read: a config on a stuck NFS, for the
reload test (tests/host/filters.py). FUSE, through Debian's python3-fuse (hence Debian's
own python3). Runs in the foreground until unmounted (fusermount -u MOUNTPOINT).

  slowfs.py MOUNTPOINT CONTENT_FILE SECONDS"""
import errno
import stat
import sys
import time

import fuse

fuse.fuse_python_api = (0, 2)
NAME = '/hbc.conf'


class SlowFS(fuse.Fuse):
    def __init__(self, content, seconds, *args, **kw):
        super().__init__(*args, **kw)
        self.content, self.seconds = content, seconds

    def getattr(self, path):
        st = fuse.Stat()
        if path == '/':
            st.st_mode, st.st_nlink = stat.S_IFDIR | 0o755, 2
        elif path == NAME:
            st.st_mode, st.st_nlink, st.st_size = stat.S_IFREG | 0o644, 1, len(self.content)
        else:
            return -errno.ENOENT
        return st

    def readdir(self, path, offset):
        for name in ('.', '..', NAME[1:]):
            yield fuse.Direntry(name)

    def open(self, path, flags):
        return 0 if path == NAME else -errno.ENOENT

    def read(self, path, size, offset):
        time.sleep(self.seconds)
        return self.content[offset:offset + size]


def main():
    mountpoint, content, seconds = sys.argv[1], open(sys.argv[2], 'rb').read(), float(sys.argv[3])
    fs = SlowFS(content, seconds, usage='slowfs.py MOUNTPOINT CONTENT_FILE SECONDS')
    fs.parse(['slowfs', mountpoint, '-f', '-o', 'direct_io'], errex=1)
    fs.main()


if __name__ == '__main__':
    main()
