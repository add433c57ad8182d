// The ledger: the account's latest entries (the API gives up to 1000), paged here, filtered by
// model and kind, exported as CSV.
import {h, data, fill} from '../dom.js';
import {api} from '../api.js';
import {money, num, time} from '../format.js';

const PAGE = 25;
const FETCH = 1000;
const COLUMNS = ['at', 'kind', 'model', 'prompt_tokens', 'cached_tokens', 'completion_tokens', 'cost', 'amount',
  'balance_after', 'status', 'latency_ms', 'request_id', 'note'];

export async function render(main, {t}) {
  const entries = (await api.get('/dashboard/x_user/ledger?limit=' + FETCH)).data || [];
  const models = [...new Set(entries.map(e => e.model).filter(Boolean))].sort();
  const kinds = [...new Set(entries.map(e => e.kind).filter(Boolean))].sort();
  const modelSel = h('select', {id: 'ledger-model', 'aria-label': t('ledger.model')},
      h('option', {value: ''}, t('ledger.allModels')), models.map(m => h('option', {value: m, translate: 'no'}, m)));
  const kindSel = h('select', {id: 'ledger-kind', 'aria-label': t('ledger.kind')},
      h('option', {value: ''}, t('ledger.allKinds')), kinds.map(k => h('option', {value: k}, kindName(t, k))));
  const body = h('tbody', {id: 'ledger-rows'});
  const pager = h('div', {class: 'pager'});
  let page = 0;

  const filtered = () => entries.filter(e => (!modelSel.value || e.model === modelSel.value)
      && (!kindSel.value || e.kind === kindSel.value));

  function show() {
    const rows = filtered();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    page = Math.min(page, pages - 1);
    fill(body, rows.slice(page * PAGE, (page + 1) * PAGE).map(e => h('tr', {dataset: {kind: e.kind}},
        data(time(e.at), 'td'), h('td', {}, kindName(t, e.kind)), data(e.model, 'td', {class: 'model'}),
        data(num(e.prompt_tokens), 'td', {class: 'num'}), data(num(e.cached_tokens), 'td', {class: 'num'}),
        data(num(e.completion_tokens), 'td', {class: 'num'}), data(money(e.cost), 'td', {class: 'num'}),
        data(money(e.amount), 'td', {class: 'num amount'}), data(money(e.balance_after), 'td', {class: 'num'}),
        data(e.status, 'td', {class: 'num'}), data(e.latency_ms, 'td', {class: 'num'}),
        data(e.request_id, 'td', {class: 'mono'}))));
    if (!rows.length) body.append(h('tr', {}, h('td', {colspan: 12, class: 'muted'}, t('ledger.empty'))));
    fill(pager,
        h('button', {id: 'ledger-prev', disabled: page === 0, onclick: () => { page--; show(); }}, t('ledger.prev')),
        h('span', {id: 'ledger-page'}, t('ledger.page', {page: page + 1, pages, n: rows.length})),
        h('button', {id: 'ledger-next', disabled: page >= pages - 1, onclick: () => { page++; show(); }}, t('ledger.next')));
  }
  modelSel.addEventListener('change', () => { page = 0; show(); });
  kindSel.addEventListener('change', () => { page = 0; show(); });

  main.append(h('h1', {}, t('ledger.title')),
      h('p', {class: 'muted'}, t('ledger.intro', {n: FETCH})),
      h('div', {class: 'toolbar'}, modelSel, kindSel, h('span', {class: 'grow'}),
          h('button', {id: 'ledger-csv', onclick: () => download(filtered())}, t('ledger.csv'))),
      h('div', {class: 'scroll'}, h('table', {id: 'ledger'},
          h('thead', {}, h('tr', {}, ['at', 'kind', 'model', 'prompt', 'cached', 'completion', 'cost', 'amount',
            'balanceAfter', 'status', 'latency', 'requestId'].map(c => h('th', {}, t('ledger.col.' + c))))),
          body)),
      pager);
  show();
}

function kindName(t, kind) {
  const key = 'kind.' + kind;
  const s = t(key);
  return s === key ? kind : s;
}

/** A CSV cell: quoted, and text that a spreadsheet would run as a formula is defused. */
function cell(v) {
  let s = v == null ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return '"' + s.replace(/"/g, '""') + '"';
}

export function toCsv(entries) {
  const lines = [COLUMNS.join(',')];
  for (const e of entries) {
    lines.push(COLUMNS.map(c => cell(c === 'at' ? new Date(e.at).toISOString() : e[c])).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

function download(entries) {
  const url = URL.createObjectURL(new Blob([toCsv(entries)], {type: 'text/csv;charset=utf-8'}));
  const a = h('a', {href: url, download: 'yugong-ledger-' + new Date().toISOString().slice(0, 10) + '.csv'});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
