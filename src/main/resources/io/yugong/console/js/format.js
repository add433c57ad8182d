// Numbers, money and times as people read them, in the chosen language.
import {lang} from './i18n.js';

const locale = () => (lang() === 'zh' ? 'zh-CN' : 'en-US');

/** Dollars (a JSON number) with up to 9 decimals, as the API keeps them. */
export function money(v) {
  if (v == null || Number.isNaN(Number(v))) return '—';
  const n = Number(v);
  const s = new Intl.NumberFormat('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 9})
      .format(Math.abs(n));
  return (n < 0 ? '-$' : '$') + s;
}

/** Dollars rounded to cents, for axes and summaries. */
export function cents(v) {
  return '$' + new Intl.NumberFormat('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2})
      .format(Number(v) || 0);
}

export function num(v) {
  if (v == null) return '—';
  return new Intl.NumberFormat(locale()).format(Number(v));
}

/** An instant (epoch ms or an ISO text) in UTC, to the minute. */
export function time(v) {
  if (v == null || v === '' || v === 0) return '—';
  const d = typeof v === 'number' ? new Date(v) : new Date(String(v));
  if (Number.isNaN(d.getTime())) return String(v);
  return d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** A UTC day, 2026-11-28. */
export function day(v) {
  const d = typeof v === 'number' ? new Date(v) : new Date(String(v));
  return Number.isNaN(d.getTime()) ? '—' : d.toISOString().slice(0, 10);
}

/** A length of time in seconds, as 3d 4h 5m or 12s. */
export function duration(s, t) {
  s = Math.max(0, Math.floor(Number(s) || 0));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return t('unit.dhm', {d, h, m});
  if (h) return t('unit.hm', {h, m});
  if (m) return t('unit.ms', {m, s: s % 60});
  return t('unit.s', {s});
}

/** UTC date text yyyy-mm-dd of a Date. */
export function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

/** The time of day in UTC, to the second: 04:32:07 UTC. */
export function clock(ms) {
  return new Date(ms).toISOString().slice(11, 19) + ' UTC';
}
