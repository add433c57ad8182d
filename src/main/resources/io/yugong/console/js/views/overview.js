// The account at a glance: balance, grants with their expiry, spend charts, limits and usage.
import {h, data} from '../dom.js';
import {api, enc} from '../api.js';
import {money, num, time, isoDay, day} from '../format.js';
import {dailyByModel, monthAgainstLimits} from '../charts.js';

const DAY_MS = 86400000;

export async function render(main, {t, refreshMe}) {
  const me = await refreshMe();
  main.append(h('h1', {}, t('overview.title')));
  main.append(h('section', {class: 'cards'},
      card('balance', t('overview.balance'), money(me.Balance)),
      card('available', t('overview.available'), money(me.Available)),
      card('held', t('overview.held'), money(me.Held)),
      card('month', t('overview.month'), money(me.Usage && me.Usage.Month))));
  main.append(grants(t, me));

  const charts = h('section', {class: 'panel'}, h('h2', {}, t('overview.daily')),
      h('div', {id: 'chart-daily', class: 'chart'}),
      h('h2', {}, t('overview.monthly')), h('div', {id: 'month-bars'}),
      h('div', {id: 'chart-month', class: 'chart'}));
  main.append(charts);
  main.append(limits(t, me));
  await drawCharts(t, me);
}

function card(id, label, value) {
  return h('div', {class: 'card stat'}, h('div', {class: 'label'}, label), data(value, 'div', {id, class: 'value'}));
}

function grants(t, me) {
  const rows = (me.CreditBalance || []).map(g => h('tr', {},
      data(money(g.amount), 'td', {class: 'num'}), data(money(g.balance), 'td', {class: 'num grant-balance'}),
      data(time(g.granted_at), 'td'), data(time(g.expires_at), 'td', {class: 'grant-expiry'}),
      h('td', {}, expiresIn(t, g.expires_at))));
  return h('section', {class: 'panel'}, h('h2', {}, t('overview.grants')),
      rows.length ? h('table', {id: 'grants'},
          h('thead', {}, h('tr', {}, h('th', {}, t('grant.amount')), h('th', {}, t('grant.left')),
              h('th', {}, t('grant.granted')), h('th', {}, t('grant.expires')), h('th', {}, t('grant.in')))),
          h('tbody', {}, rows))
        : h('p', {class: 'muted', id: 'grants'}, t('overview.noGrants')));
}

function expiresIn(t, at) {
  const ms = new Date(at).getTime() - Date.now();
  if (Number.isNaN(ms)) return '—';
  if (ms <= 0) return t('grant.expired');
  const days = ms / DAY_MS;
  return days >= 1 ? t('grant.inDays', {n: Math.floor(days)}) : t('grant.inHours', {n: Math.max(1, Math.floor(ms / 3600000))});
}

/** The limits of the account and what it used of them (RPM against the last minute, ...). */
function limits(t, me) {
  const u = me.Usage || {};
  const rows = [
    ['RPM', me.RPM, u.RequestsLastMinute],
    ['RPH', me.RPH, null], ['RPD', me.RPD, null],
    ['TPM', me.TPM, null], ['TPH', me.TPH, null], ['TPD', me.TPD, null],
  ].map(([name, limit, used]) => h('tr', {dataset: {limit: name}}, data(name, 'th'),
      h('td', {class: 'num'}, limit ? num(limit) : t('limits.none')),
      h('td', {class: 'num'}, used == null ? '—' : num(used)),
      h('td', {}, limit && used != null ? meter(used, limit) : null)));
  const spend = [['HardLimit', me.HardLimit], ['SoftLimit', me.SoftLimit]].map(([name, limit]) =>
    h('tr', {dataset: {limit: name}}, data(name, 'th'), h('td', {class: 'num'}, limit ? money(limit) : t('limits.none')),
        h('td', {class: 'num'}, money(u.Month)), h('td', {}, limit ? meter(u.Month, limit) : null)));
  const models = Object.entries(me.ModelLimits || {}).map(([model, l]) => h('tr', {},
      data(model, 'th'), h('td', {class: 'num'}, t('limits.modelRate', {rpm: num(l.rpm || 0), tpm: num(l.tpm || 0)})),
      h('td', {}, '—'), h('td', {})));
  const rules = [['AllowModels', me.AllowModels], ['DenyModels', me.DenyModels], ['AllowIPs', me.AllowIPs],
    ['DenyIPs', me.DenyIPs]].map(([name, v]) => h('tr', {}, data(name, 'th'),
      h('td', {colspan: 3}, v ? data(v, 'code') : t('limits.noRule'))));
  return h('section', {class: 'panel'}, h('h2', {}, t('overview.limits')),
      h('table', {id: 'limits'},
          h('thead', {}, h('tr', {}, h('th', {}, t('limits.name')), h('th', {}, t('limits.limit')),
              h('th', {}, t('limits.used')), h('th', {}, ''))),
          h('tbody', {}, rows, spend, models, rules,
              h('tr', {}, data('Rates', 'th'), h('td', {colspan: 3}, data(me.Rates)))),
          h('tfoot', {}, h('tr', {}, h('td', {colspan: 4, class: 'hint'},
              t('limits.month', {n: num(u.Requests || 0), p: num(u.PromptTokens || 0), c: num(u.CompletionTokens || 0)}))))));
}

function meter(used, limit) {
  return h('meter', {min: 0, max: limit, value: Math.min(used || 0, limit), low: limit * 0.7, high: limit * 0.9,
    optimum: 0});
}

async function drawCharts(t, me) {
  const today = new Date();
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  const start = new Date(Math.min(first.getTime(), today.getTime() - 29 * DAY_MS));
  const end = new Date(today.getTime() + DAY_MS);
  const usage = await api.get('/dashboard/billing/usage?start_date=' + enc(isoDay(start)) + '&end_date=' + enc(isoDay(end)));
  const daily = usage.daily_costs || [];
  const last30 = daily.slice(-30);
  const days = last30.map(d => d.timestamp);
  const byModel = {};
  last30.forEach((d, i) => (d.line_items || []).forEach(li => {
    const m = li.name || '—';
    (byModel[m] = byModel[m] || days.map(() => 0))[i] += li.cost / 100; // cents to dollars
  }));
  const dailyEl = document.getElementById('chart-daily');
  if (!Object.keys(byModel).length) {
    dailyEl.append(h('p', {class: 'muted'}, t('overview.noSpend')));
  }
  dailyByModel(dailyEl, days, byModel, {day: t('chart.day')});

  const firstTs = first.getTime() / 1000;
  const month = daily.filter(d => d.timestamp >= firstTs);
  let running = 0;
  const spent = month.map(d => (running += (d.line_items || []).reduce((s, li) => s + li.cost / 100, 0)));
  const hard = Number(me.HardLimit) || 0, soft = Number(me.SoftLimit) || 0;
  const bars = document.getElementById('month-bars');
  bars.append(h('p', {}, t('overview.monthSoFar', {spent: money(me.Usage && me.Usage.Month), from: day(first.getTime())}),
      hard ? [' · ', t('overview.ofHard', {limit: money(hard)}), ' ', meter(me.Usage.Month, hard)] : [' · ', t('overview.noHard')],
      soft ? [' · ', t(me.SoftLimitReached ? 'overview.softReached' : 'overview.ofSoft', {limit: money(soft)})] : null));
  monthAgainstLimits(document.getElementById('chart-month'), month.map(d => d.timestamp), spent, hard, soft,
      {day: t('chart.day'), spent: t('chart.spent'), hard: 'HardLimit', soft: 'SoftLimit'});
}
