// The upstream key pool (operators): status, cooldowns, exclusions, remaining capacity as bars,
// last-minute use; add, import, enable, disable, delete. Refreshed live.
import {h, data, fill, field, notice} from '../dom.js';
import {api, enc} from '../api.js';
import {num, time} from '../format.js';
import {REFRESH_MS} from './cluster.js';

export async function render(main, {t, onStop}) {
  const body = h('tbody', {id: 'key-rows'});
  const status = h('div', {id: 'keys-status'});
  let shown = '';
  main.append(h('h1', {}, t('keys.title')), status,
      h('section', {class: 'panel scroll'}, h('table', {id: 'keys'},
          h('thead', {}, h('tr', {}, ['key', 'level', 'status', 'remaining', 'lastMinute', 'excluded', 'actions']
              .map(c => h('th', {}, t('keys.col.' + c))))), body)),
      addForm(), importForm());

  async function refresh() {
    let list;
    try {
      list = (await api.get('/admin/keys')).data || [];
    } catch (e) {
      fill(status, notice('error', e.message));
      return;
    }
    const sig = JSON.stringify(list) + document.documentElement.lang;
    if (sig === shown) return; // unchanged: leave the rows (and the buttons under the pointer) alone
    shown = sig;
    fill(body, list.length ? list.map(row) : h('tr', {}, h('td', {colspan: 7, class: 'muted'}, t('keys.none'))));
  }

  function row(k) {
    const r = k.remaining || {};
    const lm = k.lastMinute || {};
    return h('tr', {dataset: {keyId: k.id, status: k.status}},
        h('td', {}, data(k.name || k.id, 'strong'), h('br'), data(k.key, 'code'), ' ', data(k.id, 'small', {class: 'muted'}),
            k.baseUrl ? [h('br'), data(k.baseUrl, 'small', {class: 'muted'})] : null,
            k.models && k.models.length ? [h('br'), data(k.models.join(', '), 'small')] : null),
        data(k.level, 'td', {class: 'num'}),
        h('td', {}, h('span', {class: 'badge key-status ' + badge(k.status)}, statusName(t, k.status)),
            k.reason ? [h('br'), data(k.reason, 'small')] : null,
            k.cooldownUntil && k.cooldownUntil > Date.now() ? [h('br'), h('small', {}, t('keys.coolingUntil', {at: time(k.cooldownUntil)}))] : null,
            k.nextProbeAt ? [h('br'), h('small', {}, t('keys.probeAt', {at: time(k.nextProbeAt)}))] : null),
        h('td', {class: 'capacity'}, capacity(t('keys.requests'), r.requests, r.requestsLimit),
            capacity(t('keys.tokens'), r.tokens, r.tokensLimit),
            r.observedAt ? h('small', {class: 'muted'}, t('keys.observed', {at: time(r.observedAt)})) : null),
        h('td', {}, t('keys.minute', {r: num(lm.requests || 0), tk: num(lm.tokens || 0), e: num(lm.errors || 0), f: num(lm.inFlight || 0)})),
        h('td', {}, (k.excludedModels || []).length ? h('ul', {class: 'plain'}, k.excludedModels.map(x =>
          h('li', {}, data(x.model, 'code'), ' ', h('small', {}, t('keys.until', {at: time(x.until)})), ' ', data(x.reason, 'small'))))
          : h('span', {class: 'muted'}, '—')),
        h('td', {class: 'actions'},
            k.enabled ? h('button', {class: 'key-disable', onclick: () => act(k, 'disable')}, t('keys.disable'))
              : h('button', {class: 'key-enable', onclick: () => act(k, 'enable')}, t('keys.enable')),
            h('button', {class: 'key-delete danger', onclick: e => confirmDelete(e.target, k)}, t('keys.delete'))));
  }

  function capacity(label, left, limit) {
    if (limit == null || !limit) return h('div', {class: 'muted'}, label, ': ', t('keys.unknown'));
    return h('div', {}, h('small', {}, label, ' ', data(num(left) + ' / ' + num(limit))), h('br'),
        h('meter', {min: 0, max: limit, value: Math.max(0, left || 0), low: limit * 0.1, high: limit * 0.5, optimum: limit}));
  }

  async function act(k, what) {
    try {
      await api.post('/admin/keys/' + enc(k.id) + '/' + what, what === 'disable' ? {reason: t('keys.byOperator')} : {});
      fill(status, notice('ok', t(what === 'disable' ? 'keys.disabled' : 'keys.enabled', {name: k.name || k.id})));
    } catch (e) {
      fill(status, notice('error', e.message));
    }
    await refresh();
  }

  function confirmDelete(button, k) {
    if (button.dataset.armed !== 'true') {
      button.dataset.armed = 'true';
      button.textContent = t('keys.deleteYes');
      return;
    }
    api.del('/admin/keys/' + enc(k.id))
        .then(() => fill(status, notice('ok', t('keys.deleted', {name: k.name || k.id}))))
        .catch(e => fill(status, notice('error', e.message)))
        .then(refresh);
  }

  function addForm() {
    const f = {key: h('input', {type: 'password', autocomplete: 'off', required: true, id: 'key-secret'}),
      name: h('input', {id: 'key-name'}), baseUrl: h('input', {placeholder: 'https://api.openai.com', id: 'key-base'}),
      level: h('input', {inputmode: 'numeric', placeholder: '1', id: 'key-level'}),
      models: h('input', {placeholder: 'gpt-4o*, o3', id: 'key-models'}), org: h('input', {id: 'key-org'})};
    const out = h('div', {id: 'key-add-status'});
    return h('section', {class: 'panel'}, h('h2', {}, t('keys.add')), h('form', {id: 'key-add', novalidate: true, onsubmit: async e => {
      e.preventDefault();
      const body = {key: f.key.value.trim()};
      if (f.name.value.trim()) body.name = f.name.value.trim();
      if (f.baseUrl.value.trim()) body.baseUrl = f.baseUrl.value.trim();
      if (f.org.value.trim()) body.org = f.org.value.trim();
      if (f.level.value.trim()) {
        const n = Number(f.level.value.trim());
        if (!Number.isInteger(n) || n < 1) {
          fill(out, notice('error', t('keys.badLevel')));
          return;
        }
        body.level = n;
      }
      if (f.models.value.trim()) body.models = f.models.value.split(',').map(s => s.trim()).filter(Boolean);
      try {
        const k = await api.post('/admin/keys', body);
        e.target.reset();
        fill(out, notice('ok', t('keys.added', {name: k.name || k.id})));
      } catch (err) {
        fill(out, notice('error', err.message));
      }
      await refresh();
    }},
    h('div', {class: 'grid'}, field(t('keys.f.key'), f.key).row, field(t('keys.f.name'), f.name).row,
        field(t('keys.f.baseUrl'), f.baseUrl).row, field(t('keys.f.level'), f.level).row,
        field(t('keys.f.models'), f.models, t('keys.f.modelsHint')).row, field(t('keys.f.org'), f.org).row),
    h('button', {type: 'submit', class: 'primary'}, t('keys.add')), out));
  }

  function importForm() {
    const area = h('textarea', {id: 'key-import-text', rows: 5, spellcheck: 'false', autocomplete: 'off'});
    const out = h('div', {id: 'key-import-status'});
    return h('section', {class: 'panel'}, h('h2', {}, t('keys.import')), h('p', {class: 'muted'}, t('keys.importHint')),
        h('form', {id: 'key-import', novalidate: true, onsubmit: async e => {
          e.preventDefault();
          const text = area.value.trim();
          let items;
          if (text.startsWith('[') || text.startsWith('{')) {
            try {
              items = JSON.parse(text);
            } catch (err) {
              fill(out, notice('error', t('keys.badJson', {why: err.message})));
              return;
            }
          } else {
            items = text.split(/\r?\n/).map(s => s.trim()).filter(Boolean).map(key => ({key}));
          }
          if (!Array.isArray(items)) items = items.keys || [items];
          if (!items.length) {
            fill(out, notice('error', t('keys.importEmpty')));
            return;
          }
          try {
            const r = await api.post('/admin/keys', items);
            area.value = '';
            fill(out, notice('ok', t('keys.imported', {n: (r.data || []).length})));
          } catch (err) {
            fill(out, notice('error', err.message));
          }
          await refresh();
        }}, area, h('button', {type: 'submit', class: 'primary'}, t('keys.importButton')), out));
  }

  await refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  onStop(() => clearInterval(timer));
}

function badge(status) {
  return status === 'active' ? 'ok' : status === 'cooling' || status === 'probing' ? 'warn' : 'off';
}

function statusName(t, status) {
  const s = t('keystatus.' + status);
  return s === 'keystatus.' + status ? status : s;
}
