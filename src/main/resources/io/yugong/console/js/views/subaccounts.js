// Sub-accounts: the tree of the account's descendants (searchable) with balance and month spend;
// create, fund, take back, edit limits and rules, suspend, delete. A refusal shows the API's message.
import {h, data, fill, field, notice} from '../dom.js';
import {api, enc} from '../api.js';
import {money} from '../format.js';
import {shownOnce} from './mykey.js';

const PAGE_SIZE = 1000;
const MAX_PAGES = 20;
const LIMIT_FIELDS = ['HardLimit', 'SoftLimit', 'RPM', 'RPH', 'RPD', 'TPM', 'TPH', 'TPD'];
const RULE_FIELDS = ['AllowModels', 'DenyModels', 'AllowIPs', 'DenyIPs'];
const ROOT_ID = '1';

export async function render(main, ctx) {
  const {t} = ctx;
  let me = ctx.me;
  let accounts = [];
  const panel = h('section', {id: 'account-panel', class: 'panel', hidden: true});
  const tree = h('div', {id: 'account-tree'});
  const mine = h('p', {id: 'my-balance', class: 'muted'});
  const search = h('input', {id: 'account-search', type: 'search', placeholder: t('sub.search'),
    'aria-label': t('sub.search'), oninput: () => draw()});

  main.append(h('h1', {}, t('sub.title')), mine,
      h('div', {class: 'toolbar'}, search, h('span', {class: 'grow'}),
          h('button', {id: 'account-new', class: 'primary', onclick: () => openCreate()}, t('sub.new'))),
      panel, tree);

  async function reload() {
    me = await ctx.refreshMe();
    fill(mine, t('sub.mine', {balance: money(me.Available), rates: me.Rates}));
    const all = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const r = await api.get('/x-dna?page=' + page + '&size=' + PAGE_SIZE);
      all.push(...(r.Users || []));
      if (all.length >= r.Total || !(r.Users || []).length) break;
    }
    accounts = all;
    draw();
  }

  function draw() {
    const q = search.value.trim().toLowerCase();
    const byParent = new Map();
    for (const a of accounts) {
      if (!byParent.has(a.ParentID)) byParent.set(a.ParentID, []);
      byParent.get(a.ParentID).push(a);
    }
    const matches = a => !q || [a.Name, a.Alias, a.Email, a.ID].some(v => v && String(v).toLowerCase().includes(q));
    // a node is shown when it or one of its descendants matches
    const shown = new Map();
    const visit = a => {
      let keep = matches(a);
      for (const c of byParent.get(a.ID) || []) keep = visit(c) || keep;
      shown.set(a.ID, keep);
      return keep;
    };
    const tops = byParent.get(me.ID) || [];
    tops.forEach(visit);
    const branch = list => h('ul', {class: 'tree'}, list.filter(a => shown.get(a.ID)).map(a =>
      h('li', {dataset: {accountId: a.ID, accountName: a.Name}}, row(a), (byParent.get(a.ID) || []).length
        ? branch(byParent.get(a.ID)) : null)));
    fill(tree, accounts.length ? branch(tops) : h('p', {class: 'muted'}, t('sub.none')));
    if (accounts.length && ![...shown.values()].some(Boolean)) tree.append(h('p', {class: 'muted'}, t('sub.noMatch')));
  }

  function row(a) {
    const child = a.ParentID === me.ID;
    const active = a.Status === 'active';
    return h('div', {class: 'account-row'},
        h('span', {class: 'who'}, data(a.Name, 'strong', {class: 'account-name'}),
            a.Alias && a.Alias !== a.Name ? data(a.Alias, 'span', {class: 'alias'}) : null,
            h('span', {class: 'muted'}, ' #', data(a.ID))),
        h('span', {class: 'badge ' + (active ? 'ok' : 'off'), dataset: {status: a.Status}},
            t(active ? 'status.active' : 'status.disabled')),
        h('span', {class: 'num'}, h('small', {}, t('sub.balance')), ' ', data(money(a.Balance), 'span', {class: 'account-balance'})),
        h('span', {class: 'num'}, h('small', {}, t('sub.monthSpend')), ' ', data(money(a.Usage && a.Usage.Month), 'span')),
        h('span', {class: 'actions'},
            child ? h('button', {class: 'act-fund', onclick: () => openTransfer(a, 1)}, t('sub.fund')) : null,
            child ? h('button', {class: 'act-take', onclick: () => openTransfer(a, -1)}, t('sub.takeBack')) : null,
            h('button', {class: 'act-edit', onclick: () => openEdit(a)}, t('sub.edit')),
            h('button', {class: 'act-status', onclick: () => setStatus(a, !active)}, t(active ? 'sub.suspend' : 'sub.resume')),
            h('button', {class: 'act-delete danger', onclick: () => openDelete(a)}, t('sub.delete'))));
  }

  function show(title, ...content) {
    panel.hidden = false;
    fill(panel, h('div', {class: 'row'}, h('h2', {}, title), h('span', {class: 'grow'}),
        h('button', {class: 'link', id: 'panel-close', onclick: () => { panel.hidden = true; }}, t('common.close'))), ...content);
    panel.scrollIntoView({block: 'nearest'});
  }

  /** Runs an API call for a form; shows the API's message when it is refused. */
  async function submit(status, button, action) {
    button.disabled = true;
    fill(status, h('span', {class: 'muted'}, t('common.working')));
    try {
      await action();
    } catch (e) {
      fill(status, notice('error', e.message));
    } finally {
      button.disabled = false;
    }
  }

  const input = (name, props = {}) => h('input', {name, autocomplete: 'off', spellcheck: 'false', ...props});

  function openCreate() {
    const f = {
      Name: input('Name', {required: true, maxlength: 63}), Alias: input('Alias', {maxlength: 128}),
      Email: input('Email', {type: 'email', maxlength: 254}),
      CreditGranted: input('CreditGranted', {inputmode: 'decimal', placeholder: '0'}),
      Days: input('Days', {inputmode: 'decimal', placeholder: '365'}),
      Rates: input('Rates', {inputmode: 'decimal', placeholder: String(me.Rates)}),
    };
    LIMIT_FIELDS.forEach(n => { f[n] = input(n, {inputmode: 'decimal', placeholder: '0'}); });
    RULE_FIELDS.forEach(n => { f[n] = input(n); });
    const cost = h('p', {id: 'create-cost', class: 'cost'});
    const preview = () => fill(cost, costText(f.CreditGranted.value, me.Rates, f.Rates.value || me.Rates, 1));
    f.CreditGranted.addEventListener('input', preview);
    f.Rates.addEventListener('input', preview);
    const status = h('div', {id: 'create-status'});
    const button = h('button', {type: 'submit', id: 'create-submit', class: 'primary'}, t('sub.create'));
    const form = h('form', {id: 'create-form', novalidate: true, onsubmit: e => {
      e.preventDefault();
      const body = {};
      for (const [k, el] of Object.entries(f)) if (el.value.trim()) body[k] = el.value.trim();
      submit(status, button, async () => {
        const r = await api.post('/x-users', body);
        form.reset();
        fill(cost);
        fill(status, notice('ok', t('sub.created', {name: r.User.Name})), shownOnce(t, r.User.SecretKey, 'new-account-key'));
        await reload();
      });
    }},
    h('div', {class: 'grid'}, field(t('sub.f.name'), f.Name).row, field(t('sub.f.alias'), f.Alias).row,
        field(t('sub.f.email'), f.Email).row, field(t('sub.f.credit'), f.CreditGranted).row,
        field(t('sub.f.days'), f.Days, t('sub.f.daysHint')).row,
        field(t('sub.f.rates'), f.Rates, t('sub.f.ratesHint', {rates: me.Rates})).row),
    h('details', {}, h('summary', {}, t('sub.limitsAndRules')), limitsGrid(f)),
    cost, button, status);
    show(t('sub.new'), form);
    preview();
  }

  function limitsGrid(f) {
    return h('div', {class: 'grid'},
        LIMIT_FIELDS.map(n => field(data(n), f[n], t('sub.hint.' + n)).row),
        RULE_FIELDS.map(n => field(data(n), f[n], t('sub.hint.' + n)).row),
        f.ModelLimits ? field(data('ModelLimits'), f.ModelLimits, t('sub.hint.ModelLimits')).row : null);
  }

  /** What funding (sign 1) or taking back (sign -1) `amount` means for the caller, at the two Rates. */
  function costText(amount, parentRates, childRates, sign) {
    const a = Number(amount);
    if (!amount || !(a > 0)) return '';
    const pr = Number(parentRates), cr = Number(childRates);
    if (!(cr > 0)) return '';
    const value = a * pr / cr;
    if (sign > 0 && me.ID === ROOT_ID) return t('sub.cost.minted');
    const shown = money(sign > 0 ? Math.ceil(value * 1e9 - 1e-6) / 1e9 : Math.floor(value * 1e9 + 1e-6) / 1e9);
    return t(sign > 0 ? 'sub.cost.fund' : 'sub.cost.take', {amount: money(a), cost: shown, mine: pr, theirs: cr});
  }

  function openTransfer(a, sign) {
    const amount = input('amount', {id: 'transfer-amount', inputmode: 'decimal', required: true});
    const days = input('Days', {id: 'transfer-days', inputmode: 'decimal', placeholder: '365'});
    const cost = h('p', {id: 'transfer-cost', class: 'cost'});
    amount.addEventListener('input', () => fill(cost, costText(amount.value.trim(), me.Rates, a.Rates, sign)));
    const status = h('div', {id: 'transfer-status'});
    const button = h('button', {type: 'submit', id: 'transfer-submit', class: 'primary'},
        t(sign > 0 ? 'sub.fund' : 'sub.takeBack'));
    const form = h('form', {id: 'transfer-form', novalidate: true, onsubmit: e => {
      e.preventDefault();
      const v = amount.value.trim();
      if (!v || v.startsWith('-')) {
        fill(status, notice('error', t('sub.amountPositive')));
        return;
      }
      const body = {CreditGranted: sign > 0 ? v : '-' + v};
      if (sign > 0 && days.value.trim()) body.Days = days.value.trim();
      submit(status, button, async () => {
        const r = await api.put('/x-users/' + enc(a.ID), body);
        fill(status, notice('ok', t('sub.transferred', {name: r.User ? r.User.Name : a.Name,
          balance: money(r.User ? r.User.Balance : null)})));
        await reload();
      });
    }},
    h('p', {}, t('sub.transferIntro', {balance: money(a.Balance), rates: a.Rates}), ' ', data(a.Name, 'strong')),
    h('div', {class: 'grid'}, field(t('sub.f.amount'), amount).row, sign > 0 ? field(t('sub.f.days'), days, t('sub.f.daysHint')).row : null),
    cost, button, status);
    show(t(sign > 0 ? 'sub.fundTitle' : 'sub.takeTitle'), form);
  }

  function openEdit(a) {
    const f = {
      Alias: input('Alias', {value: a.Alias || ''}), Email: input('Email', {value: a.Email || ''}),
      Rates: input('Rates', {value: String(a.Rates)}),
    };
    LIMIT_FIELDS.forEach(n => { f[n] = input(n, {value: String(a[n] == null ? '' : a[n])}); });
    RULE_FIELDS.forEach(n => { f[n] = input(n, {value: a[n] || ''}); });
    f.ModelLimits = input('ModelLimits', {value: JSON.stringify(a.ModelLimits || {})});
    const before = Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.value]));
    const status = h('div', {id: 'edit-status'});
    const button = h('button', {type: 'submit', id: 'edit-submit', class: 'primary'}, t('common.save'));
    const form = h('form', {id: 'edit-form', novalidate: true, onsubmit: e => {
      e.preventDefault();
      const body = {};
      for (const [k, el] of Object.entries(f)) {
        const v = el.value.trim();
        if (v === before[k].trim()) continue;
        if (RULE_FIELDS.includes(k)) body[k] = v || '-*'; // an emptied list: lifted on purpose
        else if (k === 'ModelLimits') body[k] = v || '{}';
        else body[k] = v || (LIMIT_FIELDS.includes(k) ? '0' : v);
      }
      if (!Object.keys(body).length) {
        fill(status, notice('ok', t('sub.nothingChanged')));
        return;
      }
      submit(status, button, async () => {
        await api.put('/x-users/' + enc(a.ID), body);
        fill(status, notice('ok', t('sub.saved')));
        await reload();
      });
    }},
    h('p', {}, data(a.Name, 'strong'), ' ', h('span', {class: 'muted'}, t('sub.editIntro'))),
    h('div', {class: 'grid'}, field(t('sub.f.alias'), f.Alias).row, field(t('sub.f.email'), f.Email).row,
        field(t('sub.f.rates'), f.Rates, t('sub.f.ratesHint', {rates: me.Rates})).row),
    limitsGrid(f), button, status);
    show(t('sub.editTitle'), form);
  }

  async function setStatus(a, activate) {
    const status = h('div', {id: 'status-status'});
    show(t(activate ? 'sub.resume' : 'sub.suspend'), h('p', {}, data(a.Name, 'strong')), status);
    try {
      await api.put('/x-users/' + enc(a.ID), {Status: activate ? 'active' : 'disabled'});
      fill(status, notice('ok', t(activate ? 'sub.resumed' : 'sub.suspended')));
      await reload();
    } catch (e) {
      fill(status, notice('error', e.message));
    }
  }

  function openDelete(a) {
    const status = h('div', {id: 'delete-status'});
    const button = h('button', {id: 'delete-confirm', class: 'danger', onclick: () => submit(status, button, async () => {
      const r = await api.del('/x-users/' + enc(a.ID));
      fill(status, notice('ok', t('sub.deleted', {refunded: money(r.Refunded)})));
      await reload();
    })}, t('sub.deleteYes'));
    show(t('sub.deleteTitle'), h('p', {}, t('sub.deleteWarning'), ' ', data(a.Name, 'strong')), button, status);
  }

  await reload();
}
