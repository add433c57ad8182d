// The cluster (operators): every node with its uptime, requests served and in flight, live.
import {h, data, fill, notice} from '../dom.js';
import {api} from '../api.js';
import {num, clock, duration} from '../format.js';

export const REFRESH_MS = 2000;

export async function render(main, {t, onStop}) {
  const summary = h('section', {class: 'cards', id: 'pool-summary'});
  const body = h('tbody', {id: 'nodes'});
  const stamp = h('p', {class: 'muted', id: 'cluster-updated'});
  const problem = h('div');
  main.append(h('h1', {}, t('cluster.title')), stamp, problem, summary,
      h('section', {class: 'panel'}, h('table', {id: 'cluster'},
          h('thead', {}, h('tr', {}, ['node', 'address', 'port', 'version', 'uptime', 'served', 'inFlight', 'beyondHold', 'seen']
              .map(c => h('th', {}, t('cluster.col.' + c))))), body)));

  async function refresh() {
    try {
      const c = await api.get('/admin/cluster');
      fill(problem);
      fill(stamp, t('cluster.updated', {name: c.clusterName, n: c.members, at: clock(Date.now())}));
      const p = c.keyPool || {};
      fill(summary, [['keys', p.keys], ['active', p.active], ['cooling', p.cooling], ['disabled', p.disabled],
        ['modelExclusions', p.modelExclusions]].map(([k, v]) => h('div', {class: 'card stat'},
          h('div', {class: 'label'}, t('pool.' + k)), data(num(v || 0), 'div', {class: 'value', id: 'pool-' + k}))));
      fill(body, (c.nodes || []).map(n => h('tr', {dataset: {node: n.nodeId}, class: n.self ? 'self' : ''},
          h('td', {}, data(String(n.nodeId).slice(0, 8), 'code'), n.self ? h('span', {class: 'badge'}, t('cluster.thisNode')) : null),
          data(n.address, 'td'), data(n.httpPort, 'td', {class: 'num node-port'}), data(n.version, 'td'),
          h('td', {class: 'num'}, duration(n.uptimeSeconds, t)),
          data(num(n.requestsServed), 'td', {class: 'num node-served'}),
          data(num(n.requestsInFlight), 'td', {class: 'num node-inflight'}),
          data(num(n.settlementsBeyondHold), 'td', {class: 'num'}),
          h('td', {}, t('cluster.ago', {s: Math.max(0, Math.round((Date.now() - n.updatedAt) / 1000))})))));
    } catch (e) {
      fill(problem, notice('error', e.message));
    }
  }
  await refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  onStop(() => clearInterval(timer));
}
