# SPDX-License-Identifier: Apache-2.0
"""Dashboard expressions on recorded series, through promtool's rule tests.

What a live exporter cannot show on demand: an exporter restarting within
the time range, a host with no links, the kernel's audit off or its status
unreadable, a program two containers hold.  Each case writes the series it
needs and what the dashboard's expression must answer for them (needs
promtool, from Debian's prometheus package; no root).
"""
import json
import os
import subprocess
import tempfile
import unittest

import yaml

import ctutil

DASHBOARD = ctutil.contrib('grafana', 'ebpf-subsystem-metrics.json')
VARS = {'$job': 'j', '$__rate_interval': '2m', '$__range': '5m', '$limit': '100'}


def panel_expr(dash, title, ref='A', instance='.+'):
    for p in dash['panels']:
        for t in p.get('targets', []):
            if p['title'] == title and t['refId'] == ref:
                expr = t['expr']
                for name, value in {**VARS, '$instance': instance}.items():
                    expr = expr.replace(name, value)
                return expr
    raise KeyError(title)


class RecordedSeries(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.promtool = ctutil.need_tool('promtool', 'prometheus')
        with open(DASHBOARD, encoding='utf-8') as f:
            cls.dash = json.load(f)

    def promtool_test(self, series, cases, rule_files=()):
        """series: {series: values}; cases: [(expr, eval time, [(labels, value)])]."""
        test = {'rule_files': list(rule_files), 'evaluation_interval': '1m', 'tests': [{
            'interval': '1m',
            'input_series': [{'series': s, 'values': v} for s, v in series.items()],
            'promql_expr_test': [{'expr': e, 'eval_time': t,
                                  'exp_samples': [{'labels': l, 'value': v} if l else {'value': v}
                                                  for l, v in want]}
                                 for e, t, want in cases]}]}
        with tempfile.TemporaryDirectory(prefix='bpfme-promql-') as tmp:
            path = os.path.join(tmp, 'test.yml')
            with open(path, 'w', encoding='utf-8') as f:
                yaml.safe_dump(test, f)
            p = subprocess.run([self.promtool, 'test', 'rules', path], capture_output=True, text=True,
                               timeout=60, check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_loads_in_the_range_count_exactly(self):
        # scrapes on the minute, the range (5m30s, 10m30s]: between its edges, as Grafana's are
        series = {
            # 10 loads a minute throughout: 50
            'bpf_audit_events_total{job="j",instance="steady",op="LOAD"}': '0+10x15',
            # an exporter started within the range, 3 loads at its first scrape: all 6
            'bpf_audit_events_total{job="j",instance="new",op="LOAD"}': '_x7 3+1x8',
            # 3 loads: increase() extrapolates the 2 it sees between its samples to 2.5
            'bpf_audit_events_total{job="j",instance="slow",op="LOAD"}': '0 0 0 0 0 0 1 1 2 2 3 3 3 3 3 3',
            # an exporter restarted within the range (50 | 60 70 | 0 5 10): 30 loads; the
            # counter's delta means nothing across the restart, so increase() rounded: 25
            'bpf_audit_events_total{job="j",instance="restarted",op="LOAD"}': '0+10x7 0+5x8',
        }
        cases = [(panel_expr(self.dash, 'Program loads (range)', instance=i), '630s', [('', n)])
                 for i, n in (('steady', 50), ('new', 6), ('slow', 3), ('restarted', 25))]
        cases.append((panel_expr(self.dash, 'Program loads (range)', instance='steady|new|slow'), '630s', [('', 59)]))
        # increase() on the same data, for the record
        cases.append(('increase(bpf_audit_events_total{instance="slow"}[5m])', '630s',
                      [('{job="j",instance="slow",op="LOAD"}', 2.5)]))
        self.promtool_test(series, cases)

    def test_objects_and_memory_at_zero(self):
        series = {
            'bpf_exporter_build_info{job="j",instance="empty",version="1"}': '1x10',
            'bpf_exporter_build_info{job="j",instance="busy",version="1"}': '1x10',
            'bpf_program_info{job="j",instance="busy",id="1",name="p",type="xdp"}': '1x10',
            'bpf_program_mem_bytes_total{job="j",instance="busy",id="1",name="p",type="xdp"}': '4096x10',
        }
        cases = [
            (panel_expr(self.dash, 'Objects', 'A'), '5m', [('{instance="busy"}', 1), ('{instance="empty"}', 0)]),
            (panel_expr(self.dash, 'Objects', 'C'), '5m', [('{instance="busy"}', 0), ('{instance="empty"}', 0)]),
            (panel_expr(self.dash, 'Memory locked by programs and maps', 'A'), '5m',
             [('{instance="busy"}', 4096), ('{instance="empty"}', 0)]),
            (panel_expr(self.dash, 'Memory locked by programs and maps', 'B'), '5m',
             [('{instance="busy"}', 0), ('{instance="empty"}', 0)]),
            (panel_expr(self.dash, 'Links', instance='empty'), '5m', [('', 0)]),
        ]
        self.promtool_test(series, cases)

    def test_audit_listener_states(self):
        series = {}
        # listener, kernel audit enabled (None: status unreadable)
        states = {'up': (1, 1), 'locked': (1, 2), 'off': (1, 0), 'unknown': (1, None), 'down': (0, 1)}
        for inst, (up, enabled) in states.items():
            series[f'bpf_audit_listener_up{{job="j",instance="{inst}"}}'] = f'{up}x10'
            if enabled is not None:
                series[f'bpf_audit_kernel_enabled{{job="j",instance="{inst}"}}'] = f'{enabled}x10'
        want = {'up': 3, 'locked': 3, 'off': 1, 'unknown': 2, 'down': 0}
        cases = [(panel_expr(self.dash, 'Audit listener', instance=i), '5m', [('', v)]) for i, v in want.items()]
        # every exporter at once: the worst
        cases.append((panel_expr(self.dash, 'Audit listener'), '5m', [('', 0)]))
        cases.append((panel_expr(self.dash, 'Audit listener', instance='up|off|unknown'), '5m', [('', 1)]))
        self.promtool_test(series, cases)

    def test_cpu_by_container_splits_a_shared_program(self):
        c1, c2 = '11111111-0000-0000-0000-000000000001', '11111111-0000-0000-0000-000000000002'
        series = {
            'bpf_program_run_time_seconds_total{job="j",instance="n",id="7",name="p",type="kprobe"}': '0+12x20',
            f'bpf_program_holder_info{{job="j",instance="n",id="7",pid="1",comm="a",container_id="a1",pod_uid="{c1}"}}': '1x20',
            f'bpf_program_holder_info{{job="j",instance="n",id="7",pid="2",comm="b",container_id="b1",pod_uid="{c2}"}}': '1x20',
            # a process outside containers: the host's line
            'bpf_program_run_time_seconds_total{job="j",instance="n",id="8",name="q",type="xdp"}': '0+3x20',
            'bpf_program_holder_info{job="j",instance="n",id="8",pid="3",comm="h",container_id="",pod_uid=""}': '1x20',
        }
        # the panel reads the recording rules, evaluated by promtool as Prometheus would
        rule = 'container:bpf_program_run_time_seconds:rate5m'
        self.promtool_test(series, [(panel_expr(self.dash, 'BPF CPU by container'), '10m',
                                     [(f'{rule}{{job="j",instance="n",container_id="a1",pod_uid="{c1}"}}', 0.1),
                                      (f'{rule}{{job="j",instance="n",container_id="b1",pod_uid="{c2}"}}', 0.1),
                                      (f'{rule}{{job="j",instance="n",container_id="(host)"}}', 0.05)])],
                           [ctutil.contrib('prometheus', 'bpf-metrics-exporter.rules.yml')])


if __name__ == '__main__':
    unittest.main()
