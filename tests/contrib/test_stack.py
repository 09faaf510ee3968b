# SPDX-License-Identifier: Apache-2.0
"""contrib/metrics-stack.yaml: current with the files it is made from,
well-formed, and a pod whose mounts all resolve."""
import os
import tempfile
import unittest

import yaml

import ctutil

STACK = ctutil.contrib('metrics-stack.yaml')


class Stack(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(STACK, encoding='utf-8') as f:
            cls.text = f.read()
        cls.docs = list(yaml.safe_load_all(cls.text))
        cls.maps = {d['metadata']['name']: d for d in cls.docs if d['kind'] == 'ConfigMap'}
        cls.pod = next(d for d in cls.docs if d['kind'] == 'Pod')

    def test_is_current(self):
        p = ctutil.run([os.environ.get('PYTHON3', '/usr/bin/python3'), ctutil.contrib('gen-metrics-stack')])
        self.assertEqual(p.stdout, self.text,
                         'contrib/metrics-stack.yaml is stale: run make contrib/metrics-stack.yaml')

    def test_documents(self):
        self.assertEqual([d['kind'] for d in self.docs], ['ConfigMap'] * 4 + ['Pod'])
        for d in self.docs:
            self.assertEqual(d['apiVersion'], 'v1')

    def test_configmaps_hold_the_contrib_files_verbatim(self):
        files = {'prometheus.yml': ('prometheus', 'prometheus.yml'),
                 'bpf-metrics-exporter.rules.yml': ('prometheus', 'bpf-metrics-exporter.rules.yml'),
                 'ebpf-subsystem-metrics.json': ('grafana', 'ebpf-subsystem-metrics.json')}
        seen = set()
        for m in self.maps.values():
            for key, text in m['data'].items():
                if key in files:
                    self.assertEqual(text, ctutil.read(*files[key]), key)
                    seen.add(key)
        self.assertEqual(seen, set(files))

    def test_every_mount_resolves(self):
        spec = self.pod['spec']
        self.assertTrue(spec['hostNetwork'], 'Prometheus reaches the host exporter on localhost')
        volumes = {v['name']: v for v in spec['volumes']}
        mounted = set()
        for c in spec['containers']:
            self.assertRegex(c['image'], r'^docker\.io/.+:v?\d+\.\d+\.\d+$', 'images are pinned')
            for m in c['volumeMounts']:
                self.assertIn(m['name'], volumes)
                mounted.add(m['name'])
                v = volumes[m['name']]
                if 'configMap' in v:
                    self.assertIn(v['configMap']['name'], self.maps)
        self.assertEqual(mounted, set(volumes))

    def mount_of(self, container, configmap):
        c = next(c for c in self.pod['spec']['containers'] if c['name'] == container)
        return next(m['mountPath'] for m in c['volumeMounts'] if m['name'] == configmap)

    def test_paths_agree(self):
        prom = next(c for c in self.pod['spec']['containers'] if c['name'] == 'prometheus')
        conf = self.mount_of('prometheus', 'bpf-metrics-prometheus') + '/prometheus.yml'
        self.assertIn('--config.file=' + conf, prom['args'])
        # the dashboard provider reads where the dashboard is mounted
        providers = yaml.safe_load(self.maps['bpf-metrics-grafana-providers']['data']['bpf-metrics-exporter.yml'])
        self.assertEqual(providers['providers'][0]['options']['path'],
                         self.mount_of('grafana', 'bpf-metrics-grafana-dashboards'))
        # Grafana's data source is the Prometheus in the pod, the one the dashboard wants
        ds = yaml.safe_load(self.maps['bpf-metrics-grafana-datasources']['data']['bpf-metrics-exporter.yml'])
        self.assertEqual([(d['type'], d['url'], d['isDefault']) for d in ds['datasources']],
                         [('prometheus', 'http://localhost:9090', True)])
        self.assertIn('--web.listen-address=:9090', prom['args'])

    def test_the_embedded_prometheus_config_is_valid(self):
        promtool = ctutil.need_tool('promtool', 'prometheus')
        with tempfile.TemporaryDirectory() as d:
            for key, text in self.maps['bpf-metrics-prometheus']['data'].items():
                with open(os.path.join(d, key), 'w', encoding='utf-8') as f:
                    f.write(text)
            p = ctutil.run([promtool, 'check', 'config', 'prometheus.yml'], cwd=d)
            self.assertIn('SUCCESS', p.stdout)


if __name__ == '__main__':
    unittest.main()
