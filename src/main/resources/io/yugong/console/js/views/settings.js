// Routing settings and the price book (operators), checked here before they are sent and then by
// the API, whose refusal is shown as it is. Changes apply on every node at once.
import {h, data, fill, field, notice} from '../dom.js';
import {api} from '../api.js';

const ROUTING = ['MODEL_MAPPER', 'LEVEL_MAPPER', 'SWITCH_OVER'];
const LEVEL = /^[1-9][0-9]*$/;
const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/** What is wrong with a routing setting's text, or null. */
export function routingProblem(t, name, text) {
  if (!text.trim()) return null;
  for (const item of text.split(',')) {
    const [from, to, more] = item.split('=').map(s => s.trim());
    if (!from || !to || more !== undefined) return t('settings.badPair', {name, item: item.trim()});
    if (name === 'LEVEL_MAPPER' && !LEVEL.test(to)) return t('settings.badLevel', {name, item: item.trim()});
    if (name === 'SWITCH_OVER' && !(LEVEL.test(from) && LEVEL.test(to))) return t('settings.badLevel', {name, item: item.trim()});
  }
  return null;
}

/** What is wrong with a price book's models (an object of model: price), or null. */
export function pricesProblem(t, models) {
  if (!models || typeof models !== 'object' || Array.isArray(models)) return t('settings.modelsObject');
  for (const [name, p] of Object.entries(models)) {
    if (!p || typeof p !== 'object' || Array.isArray(p)) return t('settings.priceObject', {name});
    if (typeof p.kind !== 'string' || !p.kind) return t('settings.priceKind', {name});
    for (const [k, v] of Object.entries(p)) {
      if (k === 'kind') continue;
      if (k === 'max_output_tokens' ? !Number.isInteger(v) || v < 0 : !decimals(v)) {
        return t('settings.priceValue', {name, field: k});
      }
    }
  }
  return null;
}

/** A price, or an object of prices (per_image: by size and quality), all non-negative decimals. */
function decimals(v) {
  if (v && typeof v === 'object' && !Array.isArray(v)) return Object.values(v).every(decimals);
  return (typeof v === 'string' || typeof v === 'number') && DECIMAL.test(String(v));
}

export async function render(main, {t}) {
  const [routing, book] = await Promise.all([api.get('/admin/config/routing'), api.get('/admin/config/prices')]);
  main.append(h('h1', {}, t('settings.title')), routingForm(t, routing), pricesForm(t, book));
}

function routingForm(t, routing) {
  const inputs = Object.fromEntries(ROUTING.map(n => [n, h('input', {id: 'routing-' + n, value: routing[n] || '',
    spellcheck: 'false', autocomplete: 'off'})]));
  const out = h('div', {id: 'routing-status'});
  return h('section', {class: 'panel'}, h('h2', {}, t('settings.routing')), h('p', {class: 'muted'}, t('settings.routingIntro')),
      h('form', {id: 'routing', novalidate: true, onsubmit: async e => {
        e.preventDefault();
        const body = {};
        for (const n of ROUTING) {
          const problem = routingProblem(t, n, inputs[n].value);
          if (problem) {
            fill(out, notice('error', problem));
            inputs[n].focus();
            return;
          }
          body[n] = inputs[n].value.trim();
        }
        try {
          const saved = await api.put('/admin/config/routing', body);
          ROUTING.forEach(n => { inputs[n].value = saved[n] || ''; });
          fill(out, notice('ok', t('settings.saved')));
        } catch (err) {
          fill(out, notice('error', err.message));
        }
      }},
      ROUTING.map(n => field(data(n), inputs[n], t('settings.hint.' + n)).row),
      h('button', {type: 'submit', class: 'primary', id: 'routing-save'}, t('common.save')), out));
}

function pricesForm(t, book) {
  const multiplier = h('input', {id: 'price-multiplier', value: String(book.multiplier == null ? '1' : book.multiplier),
    inputmode: 'decimal'});
  const area = h('textarea', {id: 'price-models', rows: 18, spellcheck: 'false', class: 'code'});
  area.value = JSON.stringify(book.models || {}, null, 1);
  const table = h('tbody');
  const drawTable = models => fill(table, Object.entries(models).sort(([a], [b]) => a.localeCompare(b)).map(([name, p]) =>
    h('tr', {}, data(name, 'td', {class: 'mono'}), data(p.kind, 'td'), data(p.input ?? '—', 'td', {class: 'num'}),
        data(p.cached_input ?? '—', 'td', {class: 'num'}), data(p.output ?? '—', 'td', {class: 'num'}),
        data(p.max_output_tokens ?? '—', 'td', {class: 'num'}))));
  drawTable(book.models || {});
  const out = h('div', {id: 'prices-status'});
  return h('section', {class: 'panel'}, h('h2', {}, t('settings.prices')),
      h('p', {class: 'muted'}, t('settings.pricesIntro')),
      h('form', {id: 'prices', novalidate: true, onsubmit: async e => {
        e.preventDefault();
        let models;
        try {
          models = JSON.parse(area.value);
        } catch (err) {
          fill(out, notice('error', t('settings.badJson', {why: err.message})));
          return;
        }
        const problem = !DECIMAL.test(multiplier.value.trim()) ? t('settings.badMultiplier') : pricesProblem(t, models);
        if (problem) {
          fill(out, notice('error', problem));
          return;
        }
        try {
          const saved = await api.put('/admin/config/prices', {...book, multiplier: multiplier.value.trim(), models});
          area.value = JSON.stringify(saved.models || {}, null, 1);
          drawTable(saved.models || {});
          fill(out, notice('ok', t('settings.saved')));
        } catch (err) {
          fill(out, notice('error', err.message));
        }
      }},
      field(t('settings.multiplier'), multiplier, t('settings.multiplierHint')).row,
      field(t('settings.models'), area, data(t('settings.modelsHint'), 'code')).row,
      h('button', {type: 'submit', class: 'primary', id: 'prices-save'}, t('common.save')), out),
      h('details', {}, h('summary', {}, t('settings.priceTable')), h('div', {class: 'scroll'}, h('table', {},
          h('thead', {}, h('tr', {}, ['model', 'kind', 'input', 'cached', 'output', 'maxOutput'].map(c => h('th', {}, t('settings.col.' + c))))),
          table))));
}
