// Sign-in: an account key, or the admin key for the operator views. The key is checked by the
// API before it is kept, and only in sessionStorage.
import {h, fill, notice} from '../dom.js';

export function render({t, signInWith, error}) {
  const input = h('input', {id: 'signin-key', type: 'password', autocomplete: 'off', spellcheck: 'false',
    required: true, placeholder: 'sk-…', 'aria-label': t('signin.key')});
  const status = h('div', {id: 'signin-status'}, error ? notice('error', error) : null);
  const button = h('button', {id: 'signin-submit', type: 'submit', class: 'primary'}, t('signin.submit'));
  const form = h('form', {id: 'signin', class: 'card signin', novalidate: true, onsubmit: async e => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) {
      fill(status, notice('error', t('signin.empty')));
      return;
    }
    button.disabled = true;
    fill(status, h('span', {class: 'muted'}, t('common.loading')));
    try {
      await signInWith(key);
    } catch (err) {
      button.disabled = false;
      fill(status, notice('error', err.message));
    }
  }},
  h('h1', {}, t('signin.title')),
  h('p', {class: 'muted'}, t('signin.intro')),
  h('label', {for: 'signin-key'}, t('signin.key')), input,
  h('p', {class: 'hint'}, t('signin.storage')),
  button, status);
  return h('main', {id: 'view', dataset: {view: 'signin', ready: 'true'}}, form);
}
