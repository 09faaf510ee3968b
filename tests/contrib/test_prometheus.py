# SPDX-License-Identifier: Apache-2.0
"""contrib/prometheus: promtool passes the configuration, the rules and the
rules' unit tests, and the unit tests cover every rule."""
import unittest

import yaml

import ctutil

DIR = ctutil.contrib('prometheus')
RULES = 'bpf-metrics-exporter.rules.yml'
TESTS = 'bpf-metrics-exporter.rules.test.yml'


def load(name):
    with open(ctutil.contrib('prometheus', name), encoding='utf-8') as f:
        return yaml.safe_load(f)


class Promtool(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.promtool = ctutil.need_tool('promtool', 'prometheus')

    def promtool_ok(self, *args):
        p = ctutil.run([self.promtool, *args], cwd=DIR)
        self.assertIn('SUCCESS', p.stdout + p.stderr)
        return p

    def test_check_config(self):
        p = self.promtool_ok('check', 'config', 'prometheus.yml')
        self.assertIn('1 rule files found', p.stdout)

    def test_check_rules(self):
        p = self.promtool_ok('check', 'rules', RULES)
        self.assertIn('28 rules found', p.stdout)

    def test_rule_unit_tests(self):
        self.promtool_ok('test', 'rules', TESTS)


class Rules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        groups = load(RULES)['groups']
        cls.rules = [r for g in groups for r in g['rules']]
        cls.alerts = {r['alert']: r for r in cls.rules if 'alert' in r}
        cls.records = {r['record'] for r in cls.rules if 'record' in r}
        cls.tests = load(TESTS)['tests']

    def test_the_scrape_job_is_what_the_rules_select(self):
        conf = load('prometheus.yml')
        self.assertEqual(conf['rule_files'], [RULES])
        jobs = [j['job_name'] for j in conf['scrape_configs']]
        self.assertEqual(jobs, ['bpf-metrics-exporter'])
        self.assertEqual(conf['scrape_configs'][0]['static_configs'][0]['targets'], ['localhost:9435'])
        self.assertIn('job="bpf-metrics-exporter"', self.alerts['BPFExporterDown']['expr'])

    def test_every_alert_explains_itself(self):
        self.assertEqual(len(self.alerts), 12)
        for name, r in self.alerts.items():
            self.assertIn(r['labels']['severity'], ('info', 'warning', 'critical'), name)
            self.assertEqual(set(r['annotations']), {'summary', 'description', 'runbook'}, name)
            for text in r['annotations'].values():
                self.assertGreater(len(text), 30, name)

    def test_the_issue_asks_for_these_alerts(self):
        for name in ('BPFExporterDown', 'BPFAuditListenerDown', 'BPFAuditKernelDisabled',
                     'BPFAuditSocketDrops', 'BPFAuditKernelLost', 'BPFExporterScrapeSlow',
                     'BPFExporterScrapeErrors', 'BPFProgramCountJump', 'BPFLockedMemoryGrowing',
                     'BPFProgramLoadsHigh', 'BPFProgramRecursionMisses', 'BPFMapNearlyFull'):
            self.assertIn(name, self.alerts)

    def test_every_alert_is_tested_firing_and_quiet(self):
        fired, quiet = set(), set()
        for t in self.tests:
            for a in t.get('alert_rule_test', []):
                (fired if a.get('exp_alerts') else quiet).add(a['alertname'])
        self.assertEqual(fired, set(self.alerts), 'alerts never expected to fire')
        self.assertEqual(quiet, set(self.alerts), 'alerts never expected to stay quiet')

    def test_every_recording_rule_is_tested(self):
        tested = set()
        for t in self.tests:
            for e in t.get('promql_expr_test', []):
                for s in e['exp_samples']:
                    if 'labels' in s:	# an aggregate of a rule has none
                        tested.add(s['labels'].split('{')[0])
        self.assertEqual(tested, self.records)


if __name__ == '__main__':
    unittest.main()
