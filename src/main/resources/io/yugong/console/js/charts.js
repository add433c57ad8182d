// Spend charts, drawn by uPlot (served by the node from its WebJar; no CDN).
import uPlot from '/console/vendor/uplot/1.6.30/dist/uPlot.esm.js';
import {money} from './format.js';

/** Colours of the models' bars, in order; the first is the one tests look for. */
export const PALETTE = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16'];

const dayOf = ts => new Date(ts * 1000).toISOString().slice(0, 10);

/** Axis labels in dollars with as many decimals as the step between ticks needs. */
const dollarAxis = (u, vals, axis, space, incr) => {
  const decimals = Math.min(9, Math.max(2, -Math.floor(Math.log10(incr || 1))));
  return vals.map(v => '$' + Number(v).toFixed(decimals));
};
const HALF_DAY = 43200;

function width(el) {
  return Math.max(320, Math.min(1100, el.clientWidth || 640));
}

/**
 * Bars by day, stacked by model. days: [epoch seconds], byModel: {model: [dollars per day]}.
 * Stacking: each model's bar is drawn as the running total up to it, the tallest first.
 */
export function dailyByModel(el, days, byModel, labels) {
  const models = Object.keys(byModel).sort();
  const totals = [];
  let acc = days.map(() => 0);
  for (const m of models) {
    acc = acc.map((a, i) => a + byModel[m][i]);
    totals.push(acc);
  }
  const order = models.map((m, k) => k).reverse();
  const bars = uPlot.paths.bars({size: [0.7, 48], align: 0});
  const opts = {
    width: width(el), height: 260,
    legend: {live: true},
    cursor: {points: {show: false}},
    scales: {x: {time: true, range: (u, min, max) => [min - HALF_DAY, max + HALF_DAY]},
      y: {range: (u, min, max) => [0, Math.max(1e-6, max * 1.1)]}},
    axes: [{}, {values: dollarAxis, size: 90}],
    series: [{label: labels.day, value: (u, ts) => (ts == null ? '—' : dayOf(ts))}].concat(order.map(k => ({
      label: models[k], stroke: PALETTE[k % PALETTE.length], fill: PALETTE[k % PALETTE.length], width: 0,
      paths: bars, points: {show: false},
      value: (u, v, si, i) => (i == null ? '—' : money(byModel[models[k]][i])),
    }))),
  };
  el.dataset.models = models.join(',');
  return new uPlot(opts, [days].concat(order.map(k => totals[k])), el);
}

/** This month's spend, day by day (running total), against the HardLimit and SoftLimit lines. */
export function monthAgainstLimits(el, days, spent, hardLimit, softLimit, labels) {
  const series = [{label: labels.day, value: (u, ts) => (ts == null ? '—' : dayOf(ts))},
    {label: labels.spent, stroke: PALETTE[0], width: 2, fill: 'rgba(37,99,235,0.12)',
      value: (u, v) => (v == null ? '—' : money(v))}];
  const lines = [days, spent];
  if (hardLimit > 0) {
    series.push({label: labels.hard, stroke: '#ef4444', width: 2, dash: [6, 4], points: {show: false},
      value: () => money(hardLimit)});
    lines.push(days.map(() => hardLimit));
  }
  if (softLimit > 0) {
    series.push({label: labels.soft, stroke: '#f59e0b', width: 2, dash: [2, 3], points: {show: false},
      value: () => money(softLimit)});
    lines.push(days.map(() => softLimit));
  }
  const top = Math.max(1e-6, ...spent, hardLimit, softLimit);
  return new uPlot({
    width: width(el), height: 220,
    scales: {x: {time: true}, y: {range: () => [0, top * 1.1]}},
    axes: [{}, {values: dollarAxis, size: 90}],
    series,
  }, lines, el);
}
