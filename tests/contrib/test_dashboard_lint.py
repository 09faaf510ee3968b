# SPDX-License-Identifier: Apache-2.0
"""Static rules for the Grafana dashboard (no Prometheus, no Grafana needed).

Each rule is a mistake the dashboard once made (issue 18):

- every panel that queries has a unit (a count, bytes, seconds, a rate...);
- no increase(...[$__rate_interval]): its value changes with the zoom and a
  step shorter than the window counts one event several times; a rate says
  the same thing in units per second;
- no bare increase(): it extrapolates, so a count shows decimals (and more
  events than the counter saw); a count over a range is a counter's delta,
  or increase() rounded where a restart makes the delta wrong;
- no unbounded per-object series: a query whose result keeps the object id
  (an id-grouped or un-aggregated bpf_program_/bpf_map_/bpf_link_ family)
  is under topk/bottomk, joined with "and" to one, or filtered with a
  comparison (> 0) at its top level;
- a topk/bottomk in a time series panel ranks once for the whole range
  ("@ end()"), or a range query returns more than k series (a top k per step);
- schemaVersion is the one the declared oldest Grafana writes, and the
  README names that version.
"""
import json
import os
import re
import unittest

import ctutil

DASHBOARD = ctutil.contrib('grafana', 'ebpf-subsystem-metrics.json')

# The first Grafana release that writes each schemaVersion (its
# DashboardMigrator): a dashboard of schema N needs at least that release.
# 38 is the table's cellOptions migration (grafana/grafana#59363, merged for
# 9.4; 9.4 through 10.2 write 38).  Add a line when the dashboard moves on.
SCHEMA_GRAFANA = {38: '9.4.0'}

# Families and recording rules with one series per BPF object (label id).
PER_OBJECT = re.compile(r'(?<![\w:])(bpf_program_\w+|bpf_map_\w+|bpf_link_\w+)(:\w+)?(?=\s*[{\[)\s,])')
AGGREGATORS = {'sum', 'count', 'max', 'min', 'avg', 'group', 'stddev', 'stdvar',
               'quantile', 'count_values', 'topk', 'bottomk'}
COMPARISON = re.compile(r'(?<![=!<>])(>=|<=|==|!=|>|<)(?!=)(?!\s*bool\b)')


def panels(dash):
    for p in dash['panels']:
        yield p
        yield from p.get('panels', [])


def depth0(expr):
    """expr with everything inside parentheses, braces and brackets blanked:
    what is left is the top level."""
    out, depth = [], 0
    for ch in expr:
        if ch in '([{':
            depth += 1
            out.append(' ')
        elif ch in ')]}':
            depth -= 1
            out.append(' ')
        else:
            out.append(ch if depth == 0 and ch != '"' else ' ')
    return ''.join(out)


def matching_close(expr, i):
    """Index of the parenthesis closing the one at expr[i]."""
    depth = 0
    for j in range(i, len(expr)):
        depth += {'(': 1, ')': -1}.get(expr[j], 0)
        if depth == 0:
            return j
    raise ValueError(f'unbalanced: {expr}')


def enclosing(expr, pos):
    """The calls around expr[pos], innermost first: (name, clause, labels),
    clause 'by'/'without'/None, for an aggregation its grouping labels."""
    out, depth = [], 0
    for i in range(pos - 1, -1, -1):
        ch = expr[i]
        if ch == ')':
            depth += 1
        elif ch == '(':
            if depth:
                depth -= 1
                continue
            before = expr[:i]
            m = re.search(r'(\w+)\s+(by|without)\s*\(([^()]*)\)\s*$', before)
            if m and m.group(1) in AGGREGATORS:
                out.append((m.group(1), m.group(2), {s.strip() for s in m.group(3).split(',')}))
                continue
            m = re.search(r'(\w+)\s*$', before)
            if m:
                name, clause, labels = m.group(1), None, set()
                if name in AGGREGATORS:		# the clause may follow: sum(x) by (id)
                    after = re.match(r'\s*(by|without)\s*\(([^()]*)\)', expr[matching_close(expr, i) + 1:])
                    if after:
                        clause, labels = after.group(1), {s.strip() for s in after.group(2).split(',')}
                out.append((name, clause, labels))
            else:
                out.append(('(', None, set()))
    return out


def keeps_id(calls):
    """Whether a per-object selector under these calls still carries id."""
    for name, clause, labels in calls:
        if name in AGGREGATORS and name not in ('topk', 'bottomk'):
            if clause == 'by':
                return 'id' in labels
            if clause == 'without':
                return 'id' not in labels
            return False
    return True


def bounded(expr, calls):
    if any(name in ('topk', 'bottomk') for name, _, _ in calls):
        return True
    top = depth0(expr)
    if COMPARISON.search(top):
        return True
    # x and on (...) topk(...): the and keeps x's series that the topk names
    return bool(re.search(r'\band\s+(on|ignoring)?\s*(\([^()]*\))?\s*(topk|bottomk)\s*\(', expr)) and \
        bool(re.search(r'\band\b', top))


def per_object_problems(expr):
    problems = []
    for m in PER_OBJECT.finditer(expr):
        calls = enclosing(expr, m.start())
        if keeps_id(calls) and not bounded(expr, calls):
            problems.append(f'{m.group(0)} keeps one series per object, unbounded')
    return problems


def unstable_topk(expr):
    """The topk/bottomk calls that rank at every step of a range query."""
    bad = []
    for m in re.finditer(r'\b(topk|bottomk)\s*\(', expr):
        arg = expr[m.end() - 1:matching_close(expr, m.end() - 1) + 1]
        if '@ end()' not in arg and '@ start()' not in arg:
            bad.append(m.group(0))
    return bad


def lint(dash):
    """Every problem of the dashboard, one string each."""
    problems = []
    for p in panels(dash):
        targets = p.get('targets', [])
        if targets and not p.get('fieldConfig', {}).get('defaults', {}).get('unit'):
            problems.append(f"{p['title']}: no unit")
        for t in targets:
            where, expr = f"{p['title']} {t['refId']}", t['expr']
            if re.search(r'increase\s*\([^()]*\[\$__rate_interval\]', expr):
                problems.append(f'{where}: increase([$__rate_interval]) (use rate)')
            for m in re.finditer(r'\bincrease\s*\(', expr):
                if not re.search(r'\bround\s*\(\s*$', expr[:m.start()]):
                    problems.append(f'{where}: increase() extrapolates (a count with decimals)')
            problems += [f'{where}: {e}' for e in per_object_problems(expr)]
            if p['type'] == 'timeseries':
                problems += [f'{where}: {k}...) ranks at every step (rank @ end())'
                             for k in unstable_topk(expr)]
    return problems


class Lint(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DASHBOARD, encoding='utf-8') as f:
            cls.dash = json.load(f)

    def test_the_dashboard_is_clean(self):
        problems = lint(self.dash)
        self.assertEqual(problems, [], '\n' + '\n'.join(problems))

    def test_schema_version_and_oldest_grafana_agree(self):
        grafana = [r['version'] for r in self.dash['__requires'] if r['type'] == 'grafana']
        self.assertEqual(grafana, [SCHEMA_GRAFANA[self.dash['schemaVersion']]])
        major_minor = '.'.join(grafana[0].split('.')[:2])
        with open(os.path.join(ctutil.REPO, 'README'), encoding='utf-8') as f:
            readme = ' '.join(f.read().split())
        self.assertTrue(f'Grafana {major_minor} or later' in readme,
                        f'the README does not say "Grafana {major_minor} or later"')


class TheLintFinds(unittest.TestCase):
    """The rules catch what they are meant to, and pass what is right."""

    def lint_one(self, expr, kind='timeseries', unit='short'):
        return lint({'panels': [{'title': 'p', 'type': kind, 'fieldConfig': {'defaults': {'unit': unit}},
                                 'targets': [{'refId': 'A', 'expr': expr}]}]})

    def test_units(self):
        self.assertEqual(self.lint_one('up', unit=None), ['p: no unit'])

    def test_increase(self):
        self.assertEqual(len(self.lint_one('sum(increase(x_total[$__rate_interval]))')), 2)
        self.assertEqual(len(self.lint_one('sum(increase(x_total[$__range]))', 'stat')), 1)
        self.assertEqual(self.lint_one('sum(round(increase(x_total[$__range])))', 'stat'), [])

    def test_per_object(self):
        bad = ('bpf_link_info{job="j"}',
               'sum by (job, instance, id) (rate(bpf_program_run_count_total[1m]))',
               'max without () (bpf_program_info)',
               'sum(bpf_map_mem_bytes) by (id)')
        for e in bad:
            self.assertEqual(len(self.lint_one(e, 'table')), 1, e)
        good = ('count(bpf_program_info)',
                'count by (instance) (bpf_link_info) or 0 * group by (instance) (up)',
                'sum by (instance) (bpf_map_mem_bytes)',
                'sum without (id, name, type) (bpf_map_mem_bytes)',
                'topk(10, bpf_program_mem_bytes_total)',
                'sum by (id) (rate(bpf_program_recursion_misses_total[1m])) > 0',
                'max without () (bpf_program_info) and on (id) topk(5, bpf_program_mem_bytes_total)')
        for e in good:
            self.assertEqual(self.lint_one(e, 'table'), [], e)

    def test_topk_in_a_range(self):
        self.assertEqual(len(self.lint_one('topk(10, rate(bpf_program_run_count_total[1m]))')), 1)
        self.assertEqual(self.lint_one('topk(10, rate(bpf_program_run_count_total[1m]))', 'bargauge'), [])
        self.assertEqual(self.lint_one('rate(bpf_program_run_count_total[1m]) and on (id) '
                                       'topk(10, rate(bpf_program_run_count_total[5m] @ end()))'), [])


if __name__ == '__main__':
    unittest.main()
