# SPDX-License-Identifier: Apache-2.0
"""The Grafana dashboard and the Prometheus rules against a real Prometheus.

The class starts the freshly built exporter on a free loopback port, a
process holding real BPF objects (bpfload.py, which also loads and unloads
programs under audit, and runs a socket filter 50 times a second: the
exporter runs with --bpf.enable-stats so that the kernel counts its runs), and Debian's Prometheus with contrib/prometheus's
configuration (scrape and rule intervals shortened, the target pointed at
the exporter).  Then every expression of the dashboard, template variables
substituted as Grafana would, and every recording rule must evaluate through
Prometheus' HTTP API and return data: none is excused.
"""
import json
import os
import re
import tempfile
import unittest
import urllib.error
import urllib.parse

import yaml

import ctutil

DASHBOARD = ctutil.contrib('grafana', 'ebpf-subsystem-metrics.json')
RULES = ctutil.contrib('prometheus', 'bpf-metrics-exporter.rules.yml')
JOB = 'bpf-metrics-exporter'
COMM = 'bpfme-dash'

# What kube-state-metrics serves for the test's pod (ctutil.pod_cgroup).
KUBE_POD_INFO = (
    '# HELP kube_pod_info Information about pod.\n'
    '# TYPE kube_pod_info gauge\n'
    'kube_pod_info{namespace="bpfme-dash",pod="dash-loader-7c9d4",uid="%s",host_ip="10.0.0.1",'
    'pod_ip="10.1.0.5",node="node1",created_by_kind="DaemonSet",created_by_name="dash-loader",'
    'priority_class="",host_network="false"} 1\n' % ctutil.POD_UID)

# Grafana's own variables, as it would fill them for the last 5 minutes.
BUILTINS = {'$__rate_interval': '1m', '$__interval': '15s', '$__range': '5m'}
# The tables' row limit: every object, but for the test that the limit holds.
NO_LIMIT = '1000000'

def panels(dash):
    for p in dash['panels']:
        yield p
        yield from p.get('panels', [])


def expressions(dash):
    """(panel title, refId, expr) for every query of the dashboard."""
    for p in panels(dash):
        for t in p.get('targets', []):
            yield p['title'], t['refId'], t['expr']


def substitute(expr, variables):
    for name in sorted(variables, key=len, reverse=True):
        expr = expr.replace(name, variables[name])
    return expr


def unfiltered(expr):
    """expr without its top-level "> 0" filter, or None if it has none: a
    filtered query may rightly be empty (no recursion misses, nothing skipped),
    what it filters must not be."""
    m = re.fullmatch(r'(.*\S)\s*>\s*0', expr, re.S)
    return m.group(1) if m and expr.count('(') == expr.count(')') and m.group(1).count('(') == m.group(1).count(')') \
        else None


class Dashboard(unittest.TestCase):
    """The dashboard file itself (no Prometheus needed)."""

    @classmethod
    def setUpClass(cls):
        with open(DASHBOARD, encoding='utf-8') as f:
            cls.dash = json.load(f)

    def test_title_and_import_inputs(self):
        d = self.dash
        self.assertEqual(d['title'], 'eBPF Subsystem Metrics')
        self.assertIsNone(d['id'])
        self.assertTrue(d['uid'])
        # the import dialog asks for a Prometheus data source...
        self.assertEqual([(i['name'], i['type'], i['pluginId']) for i in d['__inputs']],
                         [('DS_PROMETHEUS', 'datasource', 'prometheus')])
        # ...and __requires names every panel type used
        required = {r['id'] for r in d['__requires'] if r['type'] == 'panel'}
        used = {p['type'] for p in panels(d) if p['type'] != 'row'}
        self.assertEqual(required, used)
        self.assertIn('prometheus', {r['id'] for r in d['__requires'] if r['type'] == 'datasource'})

    def test_variables(self):
        v = {t['name']: t for t in self.dash['templating']['list']}
        self.assertEqual(list(v), ['datasource', 'job', 'instance', 'limit'])
        self.assertEqual((v['datasource']['type'], v['datasource']['query']), ('datasource', 'prometheus'))
        # the import input fills the data source variable; provisioning leaves it to the default
        self.assertEqual(v['datasource']['current']['value'], '${DS_PROMETHEUS}')
        self.assertIn('$job', v['instance']['definition'])
        for name in ('job', 'instance'):
            self.assertEqual(v[name]['datasource'], {'type': 'prometheus', 'uid': '${datasource}'})
        # the tables' row limit: a fixed choice, its default one of them
        limit = v['limit']
        self.assertEqual(limit['type'], 'custom')
        choices = limit['query'].split(',')
        self.assertEqual([o['value'] for o in limit['options']], choices)
        self.assertIn(limit['current']['value'], choices)
        self.assertTrue(all(c.isdigit() for c in choices))

    def test_tables_are_bounded_sorted_by_number_and_paged(self):
        tables = [p for p in panels(self.dash) if p['type'] == 'table']
        self.assertEqual({p['title'] for p in tables}, {'Loaded programs', 'All maps', 'All links', 'Owners'})
        for p in tables:
            for t in p['targets']:
                self.assertIn('topk($limit,', t['expr'], p['title'])
            self.assertTrue(p['options']['footer']['enablePagination'], p['title'])
            conv = [t for t in p['transformations'] if t['id'] == 'convertFieldType']
            self.assertEqual(len(conv), 1, p['title'])
            numeric = {c['targetField'] for c in conv[0]['options']['conversions']
                       if c['destinationType'] == 'number'}
            self.assertIn('id', numeric, p['title'])
            # converted before organize renames the columns
            ids = [t['id'] for t in p['transformations']]
            self.assertLess(ids.index('convertFieldType'), ids.index('organize'), p['title'])
            self.assertTrue(p['options']['sortBy'], p['title'])

    def test_owners_cover_programs_maps_and_links(self):
        expr = next(e for t, _, e in expressions(self.dash) if t == 'Owners')
        for family in ('bpf_program_loader_info', 'bpf_program_holder_info', 'bpf_map_holder_info',
                       'bpf_link_holder_info'):
            self.assertIn(family + '{', expr)
            self.assertIn(family + ':pod{', expr)

    def test_panels_that_filter_say_so_when_empty(self):
        for p in panels(self.dash):
            for t in p.get('targets', []):
                if unfiltered(t['expr']) is not None and p['type'] == 'timeseries' and len(p['targets']) == 1:
                    self.assertTrue(p['fieldConfig']['defaults'].get('noValue'), p['title'])
        avg = next(p for p in panels(self.dash) if p['title'] == 'Average time per run')
        self.assertIn('BPF stats are off', avg['fieldConfig']['defaults']['noValue'])

    def test_map_fill_row_shows_the_fullest_maps(self):
        self.assertFalse([p['title'] for p in panels(self.dash) if p['type'] == 'text'])
        fullest = next(p for p in panels(self.dash) if p['title'] == 'Fullest maps')
        self.assertEqual(fullest['type'], 'bargauge')
        self.assertIn('topk(10, id:bpf_map_fill:ratio{', fullest['targets'][0]['expr'])
        self.assertEqual(fullest['fieldConfig']['defaults']['unit'], 'percentunit')

    def test_original_panels_are_there(self):
        titles = [p['title'] for p in panels(self.dash)]
        for t in ('Programs', 'Maps', 'Links', 'Loaded programs', 'All maps', 'All links',
                  'Verified instructions total', 'Translated bytes total',
                  'Memory locked by programs', 'LOAD / UNLOAD rate', 'Recent loads by process',
                  'Audit records lost', 'Audit health', 'Scrape duration',
                  'Memory locked by programs and maps', 'Top programs by translated size'):
            self.assertIn(t, titles)
        self.assertEqual(len(titles), len(set(titles)), 'panel titles repeat')

    def test_every_query_uses_the_variables(self):
        ids = [p['id'] for p in panels(self.dash)]
        self.assertEqual(len(ids), len(set(ids)), 'panel ids repeat')
        n = 0
        for title, ref, expr in expressions(self.dash):
            n += 1
            self.assertIn('job=~"$job"', expr, f'{title} {ref}')
            self.assertIn('instance=~"$instance"', expr, f'{title} {ref}')
        self.assertGreater(n, 25)
        for p in panels(self.dash):
            if p.get('targets'):
                self.assertEqual(p['datasource'], {'type': 'prometheus', 'uid': '${datasource}'}, p['title'])
                for t in p['targets']:
                    self.assertEqual(t['datasource'], p['datasource'], p['title'])

    def test_panels_do_not_overlap(self):
        cells = {}
        for p in panels(self.dash):
            g = p['gridPos']
            self.assertLessEqual(g['x'] + g['w'], 24, p['title'])
            for x in range(g['x'], g['x'] + g['w']):
                for y in range(g['y'], g['y'] + g['h']):
                    self.assertNotIn((x, y), cells, f"{p['title']} overlaps {cells.get((x, y))}")
                    cells[(x, y)] = p['title']


class LivePrometheus(unittest.TestCase):
    """Every dashboard expression and recording rule on a real Prometheus."""

    @classmethod
    def setUpClass(cls):
        ctutil.need_root()
        cls.prometheus_bin = ctutil.need_tool('prometheus', 'prometheus')
        cls.tmp = tempfile.TemporaryDirectory(prefix='bpfme-prom-')
        cls.addClassCleanup(cls.tmp.cleanup)
        tmp = cls.tmp.name
        with open(DASHBOARD, encoding='utf-8') as f:
            cls.dash = json.load(f)

        ex = ctutil.exporter(tmp, '--audit.enable', '--bpf.enable-stats')
        cls.exporter_url = ex.__enter__()
        cls.addClassCleanup(ex.__exit__, None, None, None)
        cls.instance = cls.exporter_url.split('//')[1]

        with open(ctutil.contrib('prometheus', 'prometheus.yml'), encoding='utf-8') as f:
            conf = yaml.safe_load(f)
        conf['global'].update(scrape_interval='1s', evaluation_interval='1s')
        conf['rule_files'] = [RULES]
        job = conf['scrape_configs'][0]
        job.update(scrape_timeout='1s')
        job['static_configs'] = [{'targets': [cls.instance]}]
        # kube-state-metrics' kube_pod_info for the test's pod (recorded, served as it serves it)
        ksm = ctutil.static_metrics(KUBE_POD_INFO)
        ksm_addr = ksm.__enter__()
        cls.addClassCleanup(ksm.__exit__, None, None, None)
        conf['scrape_configs'].append({'job_name': 'kube-state-metrics', 'scrape_timeout': '1s',
                                       'static_configs': [{'targets': [ksm_addr]}]})
        with open(os.path.join(tmp, 'prometheus.yml'), 'w') as f:
            yaml.safe_dump(conf, f)
        port = ctutil.free_port()
        cls.api = f'http://127.0.0.1:{port}/api/v1'
        prom = ctutil.process([cls.prometheus_bin, f'--config.file={tmp}/prometheus.yml',
                               f'--storage.tsdb.path={tmp}/data', f'--web.listen-address=127.0.0.1:{port}',
                               '--log.level=warn'],
                              'prometheus', os.path.join(tmp, 'prometheus.log'))
        p = prom.__enter__()
        cls.addClassCleanup(prom.__exit__, None, None, None)

        # Prometheus must see the counters before the loads, or increase() misses them.
        cls._wait_scrapes(p, 2)
        # a process made now, after audit is on, so its loads are attributed,
        # in a pod's container (the Owners table, the pod name rules)
        pod = ctutil.pod_cgroup('bpfme-test-dash')
        cgroup = pod.__enter__()
        cls.addClassCleanup(pod.__exit__, None, None, None)
        objects = ctutil.bpf_objects(COMM, cgroup)
        objects.__enter__()
        cls.addClassCleanup(objects.__exit__, None, None, None)
        cls._wait_scrapes(p, 8, 'instance:bpf_audit_events:rate5m{op="LOAD"} > 0')
        # the run statistics panels need a program that ran within $__rate_interval
        cls._wait_scrapes(p, 8, f'sum(rate(bpf_program_run_count_total{{job="{JOB}"}}[1m])) > 0')
        # the CPU per container and pod rules: the rate, then the pod join (a group of its own)
        cls._wait_scrapes(p, 8, f'pod:bpf_program_run_time_seconds:rate5m{{job="{JOB}"}} > 0')
        cls.vars = {'$job': JOB, '$instance': cls.instance, '${datasource}': 'unused', '$limit': NO_LIMIT,
                    **BUILTINS}

    @classmethod
    def _wait_scrapes(cls, prom, n, also='vector(1)'):
        """Wait until Prometheus has scraped the exporter n times and also returns data."""
        def done():
            if prom.poll() is not None:
                raise AssertionError('prometheus exited: '
                                     + open(os.path.join(cls.tmp.name, 'prometheus.log')).read())
            try:
                return (cls.query(f'count_over_time(up{{job="{JOB}"}}[1m]) >= {n} and up{{job="{JOB}"}} == 1')
                        and cls.query(also))
            except OSError:		# not listening yet
                return False
        ctutil.wait_until(f'Prometheus to scrape the exporter {n} times', done, timeout=60, step=0.5)

    @classmethod
    def api_get(cls, path, **params):
        url = f'{cls.api}/{path}?' + urllib.parse.urlencode(params, doseq=True)
        try:
            r = json.loads(ctutil.http_get(url))
        except urllib.error.HTTPError as e:
            raise AssertionError(f'{path} {params}: {e.code} {e.read().decode()}') from None
        if r['status'] != 'success':
            raise AssertionError(f'{path} {params}: {r}')
        return r['data']

    @classmethod
    def query(cls, expr):
        return cls.api_get('query', query=expr)['result']

    def test_every_dashboard_expression_returns_data(self):
        n = 0
        for title, ref, expr in expressions(self.dash):
            q = substitute(expr, self.vars)
            # ($1 is label_replace's: Grafana leaves it, no variable has that name)
            self.assertIsNone(re.search(r'\$(?!1")', q), f'{title} {ref}: a variable was left: {q}')
            # a filtered query may be empty (it ran without error); what it filters may not
            self.assertTrue(self.query(unfiltered(q) or q), f'{title} {ref}: no data for {q}')
            if unfiltered(q):
                self.query(q)
            n += 1
        self.assertGreater(n, 25)

    def test_time_series_panels_evaluate_over_a_range(self):
        now = float(self.api_get('query', query='time()')['result'][1])
        n = 0
        for p in panels(self.dash):
            if p['type'] != 'timeseries':
                continue
            for t in p['targets']:
                q = substitute(t['expr'], self.vars)
                data = self.api_get('query_range', query=unfiltered(q) or q, start=f'{now - 20:.3f}',
                                    end=f'{now:.3f}', step='2')
                self.assertEqual(data['resultType'], 'matrix')
                self.assertTrue(data['result'], f"{p['title']} {t['refId']}: no range data for {q}")
                if 'topk(10,' in q:	# ranked once for the range: at most ten, at every step
                    self.assertLessEqual(len(data['result']), 10, p['title'])
                n += 1
        self.assertGreater(n, 10)

    def test_table_queries_join(self):
        """Grafana's merge joins rows on every field the frames share: the
        queries of a merged table must share job, instance and id, carry no
        metric name, and list the same objects."""
        now = self.api_get('query', query='time()')['result'][0]
        n = 0
        for p in panels(self.dash):
            if len(p.get('targets', [])) < 2 or \
               not any(t['id'] == 'merge' for t in p.get('transformations', [])):
                continue
            rows = []
            for t in p['targets']:
                self.assertEqual((t.get('format'), t.get('instant')), ('table', True), p['title'])
                result = self.api_get('query', query=substitute(t['expr'], self.vars), time=now)['result']
                self.assertTrue(result, f"{p['title']} {t['refId']}")
                for r in result:
                    self.assertNotIn('__name__', r['metric'], f"{p['title']} {t['refId']}")
                # a query is one frame, its columns every label of its rows
                # (Prometheus drops empty labels, e.g. map_ids="")
                rows.append((set().union(*(r['metric'] for r in result)), result))
            common = set.intersection(*(k for k, _ in rows))
            self.assertEqual(common, {'job', 'instance', 'id'}, p['title'])
            ids = [{tuple(r['metric'][k] for k in sorted(common)) for r in res} for _, res in rows]
            for other in ids[1:]:
                self.assertEqual(other, ids[0], f"{p['title']}: the queries list different objects")
            n += 1
        self.assertEqual(n, 2, 'the programs and maps tables')

    def test_values_match_the_kernel_objects(self):
        sel = f'job="{JOB}",instance="{self.instance}"'
        # the loader's three filters share one name; the table query finds them
        progs = self.query(f'bpf_program_info{{{sel},name="dash_filter"}}')
        self.assertEqual(len(progs), 3)
        for s in progs:
            self.assertEqual(s['metric']['type'], 'socket_filter')
            self.assertTrue(s['metric']['map_ids'], 'the filters use the hash map')
        maps = self.query(f'bpf_map_info{{{sel},name=~"dash_hash|dash_array"}}')
        self.assertEqual(sorted(m['metric']['type_name'] for m in maps), ['array', 'hash'])
        rawtp = self.query(f'bpf_program_info{{{sel},name="dash_rawtp"}}')
        self.assertEqual(len(rawtp), 1)
        links = self.query(f'bpf_link_info{{{sel},prog_id="{rawtp[0]["metric"]["id"]}"}}')
        self.assertEqual(len(links), 1)
        # the links table's "attached to" column: the loader's tracepoint
        self.assertEqual(links[0]['metric']['target'], 'sched_process_exit')
        self.assertEqual(links[0]['metric']['type_name'], 'raw_tracepoint')
        # an empty label is no label to Prometheus
        self.assertNotIn('attach_type', links[0]['metric'])

    def test_recent_loads_by_process_names_the_loader(self):
        expr = next(e for t, _, e in expressions(self.dash) if t == 'Recent loads by process')
        # the loader made 5 loads (3 filters, the raw tracepoint one, the closed one)
        result = {s['metric']['comm']: float(s['value'][1])
                  for s in self.query(substitute(expr, self.vars))}
        self.assertIn(COMM, result)
        self.assertGreaterEqual(result[COMM], 5)

    def test_owners_name_the_loader_its_container_and_pod(self):
        expr = next(e for t, _, e in expressions(self.dash) if t == 'Owners')
        result = [s['metric'] for s in self.query(substitute(expr, self.vars))]
        rows = [m for m in result
                if m.get('name') == 'dash_filter' and m['role'] == 'loader' and m['kind'] == 'program']
        self.assertEqual(len(rows), 3, 'the three filters the loader made')
        # it holds them, its two maps and its link too (a link named by its program)
        held = {(m['kind'], m.get('name')) for m in result if m['role'] == 'holder' and m.get('comm') == COMM}
        for want in (('program', 'dash_filter'), ('program', 'dash_rawtp'), ('map', 'dash_hash'),
                     ('map', 'dash_array'), ('link', 'dash_rawtp')):
            self.assertIn(want, held)
        for m in result:
            if m.get('comm') == COMM and m['role'] == 'holder':
                self.assertEqual((m['namespace'], m['pod']), ('bpfme-dash', 'dash-loader-7c9d4'), m)
        for m in rows:
            self.assertEqual(m['comm'], COMM)
            self.assertEqual(m['container_id'], ctutil.CONTAINER_ID)
            self.assertEqual(m['pod_uid'], ctutil.POD_UID)
            self.assertEqual((m['namespace'], m['pod']), ('bpfme-dash', 'dash-loader-7c9d4'))
            self.assertTrue(m['cgroup'].endswith(f'/cri-containerd-{ctutil.CONTAINER_ID}.scope'), m['cgroup'])

    def panel_expr(self, title, ref='A', **extra):
        t = next(t for p in panels(self.dash) if p['title'] == title for t in p['targets'] if t['refId'] == ref)
        return substitute(t['expr'], {**self.vars, **extra})

    def test_loads_in_the_range_are_the_exact_count(self):
        sel = f'job="{JOB}",instance="{self.instance}"'
        for title, op in (('Program loads (range)', 'LOAD'), ('Program unloads (range)', 'UNLOAD')):
            now = self.api_get('query', query='time()')['result'][0]
            got = self.api_get('query', query=self.panel_expr(title), time=now)['result']
            # the exporter started within the range: the count is the counter's value, exactly
            want = self.api_get('query', query=f'sum(bpf_audit_events_total{{{sel},op="{op}"}})',
                                time=now)['result']
            self.assertEqual(float(got[0]['value'][1]), float(want[0]['value'][1]), title)
            self.assertTrue(float(got[0]['value'][1]).is_integer(), title)
        self.assertGreaterEqual(float(got[0]['value'][1]), 1, 'the loader closed one program')
        # over a range the exporter covers whole: the counter's delta, an integer
        q = self.panel_expr('Program loads (range)', **{'$__range': '3s'})
        v = float(self.query(q)[0]['value'][1])
        self.assertTrue(v.is_integer(), v)

    def test_objects_and_memory_show_zero_not_nothing(self):
        """With the family matching nothing (a host without links, or whose
        programs all exited), each line is still there, at 0."""
        for title, refs in (('Objects', 'ABC'), ('Memory locked by programs and maps', 'AB')):
            for ref in refs:
                q = self.panel_expr(title, ref)
                family = re.match(r'(?:count|sum) by \(instance\) \((\w+)\{', q).group(1)
                q = q.replace(family + '{', family + '{id="none",', 1)
                got = {s['metric']['instance']: float(s['value'][1]) for s in self.query(q)}
                self.assertEqual(got.get(self.instance), 0.0, f'{title} {ref}: {q}')

    def test_audit_listener_is_not_up_while_kernel_audit_is_off(self):
        q = self.panel_expr('Audit listener')
        self.assertEqual(float(self.query(q)[0]['value'][1]), 3, 'up: listening, kernel audit on')
        enabled = f'bpf_audit_kernel_enabled{{job=~"{JOB}",instance=~"{self.instance}"}}'
        self.assertIn(enabled, q)
        off = q.replace(enabled, f'(0 * {enabled})')
        self.assertEqual(float(self.query(off)[0]['value'][1]), 1, 'kernel audit off')
        unknown = q.replace(enabled, f'{enabled[:-1]},id="none"}}')
        self.assertEqual(float(self.query(unknown)[0]['value'][1]), 2, 'kernel audit status unreadable')
        p = next(p for p in panels(self.dash) if p['title'] == 'Audit listener')
        texts = {k: v['text'] for m in p['fieldConfig']['defaults']['mappings'] for k, v in m['options'].items()}
        self.assertEqual(texts['3'], 'up')
        self.assertEqual(set(texts), {'0', '1', '2', '3'})

    def test_tables_hold_at_most_the_limit(self):
        for title in ('Loaded programs', 'All maps', 'All links', 'Owners'):
            p = next(p for p in panels(self.dash) if p['title'] == title)
            for t in p['targets']:
                q = substitute(t['expr'], {**self.vars, '$limit': '2'})
                n = len(self.query(q))
                self.assertGreater(n, 0, f'{title} {t["refId"]}')
                self.assertLessEqual(n, 2, f'{title} {t["refId"]}')

    def test_cpu_by_container_and_pod_names_the_loaders_pod(self):
        rows = self.query(self.panel_expr('BPF CPU by container'))
        mine = [s for s in rows if s['metric'].get('container_id') == ctutil.CONTAINER_ID]
        self.assertEqual(len(mine), 1, rows)
        self.assertGreater(float(mine[0]['value'][1]), 0)
        rows = self.query(self.panel_expr('BPF CPU by pod'))
        self.assertIn(('bpfme-dash', 'dash-loader-7c9d4'),
                      {(s['metric']['namespace'], s['metric']['pod']) for s in rows})

    def test_template_variables_list_the_exporter(self):
        v = {t['name']: t for t in self.dash['templating']['list']}
        for name, want in (('job', JOB), ('instance', self.instance)):
            m = re.fullmatch(r'label_values\((.+), (\w+)\)', v[name]['definition'])
            self.assertIsNotNone(m, v[name]['definition'])
            self.assertEqual(m.group(2), name)
            values = self.api_get(f'label/{name}/values', **{'match[]': substitute(m.group(1), self.vars)})
            self.assertIn(want, values)

    def test_every_recording_rule_returns_data(self):
        with open(RULES, encoding='utf-8') as f:
            groups = yaml.safe_load(f)['groups']
        records = [r['record'] for g in groups for r in g['rules'] if 'record' in r]
        self.assertEqual(len(records), 16)
        for name in records:
            result = self.query(f'{name}{{job="{JOB}",instance="{self.instance}"}}')
            self.assertTrue(result, f'{name}: no data')
        count = self.query(f'instance:bpf_programs:count{{instance="{self.instance}"}}')
        self.assertGreaterEqual(float(count[0]['value'][1]), 4)

    def test_rules_are_healthy_and_no_alert_fires(self):
        groups = self.api_get('rules')['groups']
        rules = [r for g in groups for r in g['rules']]
        self.assertEqual(len(rules), 28)
        for r in rules:
            self.assertEqual(r['health'], 'ok', f"{r['name']}: {r.get('lastError')}")
        # A healthy node with a working exporter: nothing pending or firing.
        # Except the kernel's lost count, which is the host's business (a
        # kernel booted with audit=1 and no auditd counts records as lost).
        for r in rules:
            if r['type'] == 'alerting' and r['name'] != 'BPFAuditKernelLost':
                self.assertEqual(r['state'], 'inactive', f"{r['name']}: {r['alerts']}")


if __name__ == '__main__':
    unittest.main()
