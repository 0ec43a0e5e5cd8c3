#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""dnf_listing.py REPO: the packages of every dnf repository REPO/<basearch>/ as dnf reads
them (repodata/*primary.xml.gz), one line each: basearch, name, arch, epoch, version,
release, location, build time, installed size (what a rebuild must give again; the file
checksums are not listed: they cover the signatures)."""
import glob
import gzip
import os
import sys
import xml.etree.ElementTree as ET

NS = {'c': 'http://linux.duke.edu/metadata/common'}


def main(repo):
    for primary in sorted(glob.glob(os.path.join(repo, '*', 'repodata', '*primary.xml.gz'))):
        basearch = os.path.basename(os.path.dirname(os.path.dirname(primary)))
        with open(primary, 'rb') as f:
            root = ET.fromstring(gzip.decompress(f.read()))
        for p in root.findall('c:package', NS):
            v = p.find('c:version', NS).attrib
            print(basearch, p.find('c:name', NS).text, p.find('c:arch', NS).text, v['epoch'], v['ver'], v['rel'],
                  p.find('c:location', NS).attrib['href'], p.find('c:time', NS).attrib['build'],
                  p.find('c:size', NS).attrib['installed'])


if __name__ == '__main__':
    main(sys.argv[1])
