#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The benchmark's statistics and table: bench/table.py RAW_DIR prints the markdown
report of the rounds bench/run.sh wrote there:
  storm.tsv    round tool execs/s delivered lost VmHWM_KiB cpu_us_per_event bpf_ns_per_exec printed
  startup.tsv  round tool attach_ms first_event_ms
  facts.tsv    key tool value (sizes, versions, build times, the run's header facts)
Medians and ranges over rounds; the overhead is the median of per-round ratios to the
no-tracer baseline of the same round (ratios, not absolute times: the machine is noisy)."""
import argparse
import os
import statistics

NAMES = {'base': 'no tracer', 'hbc': 'hello-buffer-config', 'hbc-noargs': 'hello-buffer-config --no-args',
         'hbc-excluded': 'hello-buffer-config, storm excluded', 'hbc-journal': 'hello-buffer-config --journal',
         'execsnoop': 'execsnoop', 'bpftrace': 'bpftrace'}
STORM = ['round', 'tool', 'rate', 'delivered', 'lost', 'hwm', 'cpu', 'bpfns', 'printed']
STARTUP = ['round', 'tool', 'attach', 'event']


def rows(path, columns):
    if not os.path.exists(path):
        return []
    return [dict(zip(columns, line.rstrip('\n').split('\t'))) for line in open(path) if line.strip()]


def numbers(table, tool, column):
    out = []
    for r in table:
        try:
            if r['tool'] == tool:
                out.append(float(r[column]))
        except (KeyError, ValueError):
            pass
    return out


def spread(values, fmt, unit='', missing='-'):
    """'12.3 µs (11.0–14.2)': median (min–max), or MISSING."""
    if not values:
        return missing
    return f'{fmt.format(statistics.median(values))}{unit} ({fmt.format(min(values))}–{fmt.format(max(values))})'


def kib(k):
    return '-' if k is None else f'{k / 1024:.1f} MiB' if k >= 10240 else f'{k:.0f} KiB'


def cells(storm, startup, facts, tools, n):
    cell = {}
    base = numbers(storm, 'base', 'rate')
    cell['rate', 'base'] = f'{statistics.median(base):,.0f}/s' if base else '-'
    rates = {(r['round'], r['tool']): float(r['rate']) for r in storm if r['rate'].replace('.', '').isdigit()}
    es_rss = numbers(storm, 'execsnoop', 'hwm')
    for t in tools:
        ratios = [v / rates[rd, 'base'] for (rd, tool), v in rates.items() if tool == t and (rd, 'base') in rates]
        rate = numbers(storm, t, 'rate')
        cell['rate', t] = (f'**{statistics.median(ratios):.2f}** ({min(ratios):.2f}–{max(ratios):.2f}); '
                           f'{statistics.median(rate):,.0f}/s') if ratios else 'failed'
        got = numbers(storm, t, 'delivered')
        cell['deliv', t] = (f'**{100 * statistics.median(got) / n:.2f} %** ({statistics.median(got):,.0f} of '
                            f'{n:,}; min {100 * min(got) / n:.2f} %)') if got else 'failed'
        lost = numbers(storm, t, 'lost')
        cell['lost', t] = f'{statistics.median(lost):.0f} (total {sum(lost):.0f})' if lost else '? (not reported)'
        for key, fmt, unit in (('cpu', '{:.1f}', ' µs'), ('bpfns', '{:.0f}', ' ns')):
            mine, theirs = numbers(storm, t, key), numbers(storm, 'execsnoop', key)
            cell[key, t] = spread(mine, fmt, unit)
            if mine and theirs and t != 'execsnoop':
                cell[key, t] += f'; {statistics.median(mine) / statistics.median(theirs):.2f}× execsnoop'

        none = 'as hbc' if t == 'hbc-journal' else 'failed'	# run.sh times its start-up as hbc's
        cell['attach', t] = spread(numbers(startup, t, 'attach'), '{:.0f}', ' ms', none)
        cell['event', t] = spread(numbers(startup, t, 'event'), '{:.0f}', ' ms', none)
        rss = numbers(storm, t, 'hwm')
        cell['rss', t] = kib(statistics.median(rss) if rss else None)
        if rss and es_rss and t != 'execsnoop':
            cell['rss', t] += f' ({statistics.median(rss) / statistics.median(es_rss):.2f}× execsnoop)'
    for key, tool, value in facts:
        cell[key, tool] = value
    return cell


def main(raw):
    facts = [tuple(l.rstrip('\n').split('\t', 2)) for l in open(os.path.join(raw, 'facts.tsv')) if l.strip()]
    fact = {k: v for k, t, v in facts if t == '-'}
    tools, n = fact['tools'].split(), int(fact['n'])
    cell = cells(rows(os.path.join(raw, 'storm.tsv'), STORM), rows(os.path.join(raw, 'startup.tsv'), STARTUP),
                 facts, tools, n)
    cols = ['base'] + tools
    out = ['## hello-buffer-config benchmark', '', fact['header'], fact['storm'], '',
           '| figure | ' + ' | '.join(NAMES[t] for t in cols) + ' | target (ours) |',
           '|---|' + '---|' * len(cols) + '---|']
    for label, key, target in [
            ('1. events delivered for the storm path ÷ N (median)', 'deliv', '100 %'),
            ('1. lost samples reported per round (median)', 'lost', '0'),
            ('2. execs/s with tracer ÷ without (median of per-round ratios, range; median rate)', 'rate', '≥ 0.90'),
            ('2. tracer CPU (user+sys) per event printed during the storm, median (range)', 'cpu', '–'),
            ('2. BPF program run time per exec (kernel.bpf_stats_enabled), median (range)', 'bpfns', '–'),
            ('3. start → attached ("attached:" / header / "Attaching")', 'attach', '–'),
            ('3. start → first event (one exec after attach)', 'event', '≤ execsnoop'),
            ('4. peak RSS (VmHWM at end of storm, median)', 'rss', '≤ 1.2× execsnoop'),
            ('4. binary size', 'bin', '–'), ('4. installed package size', 'pkg', '–'),
            ('5. build (ci/build.sh of a clone of HEAD, fresh BUILD_DIR: objects, loaders, packages)', 'build', '–'),
            ('6. bytes per record with arguments (header + path + arguments): median, p90, p99, max; records',
             'sizes', '–')]:
        out.append(f'| {label} | ' + ' | '.join(cell.get((key, t), '-') for t in cols) + f' | {target} |')
    out += ['', fact['raw']]
    print('\n'.join(out))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('raw', help='the raw measurements bench/run.sh wrote')
    main(ap.parse_args().raw)
