// Every string the console shows comes from a dictionary: English and 简体中文.
import en from './lang/en.js';
import zh from './lang/zh.js';
import {session} from './session.js';

export const dictionaries = {en, zh};
export const languages = [['en', 'English'], ['zh', '简体中文']];

let current = pick();

function pick() {
  const saved = session.lang();
  if (saved && dictionaries[saved]) return saved;
  return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export const lang = () => current;

export function setLang(l) {
  if (!dictionaries[l]) return;
  current = l;
  session.setLang(l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

/** t('key', {n: 3}): the text of key in the current language, {n} filled in. */
export function t(key, vars) {
  let s = dictionaries[current][key];
  if (s == null) s = dictionaries.en[key];
  if (s == null) {
    console.warn('no text for', key);
    s = key;
  }
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}
