// The console's shell: sign-in, the header with its views, the language switch, and the view
// named by the page's hash (#overview ...; the hash never holds a secret).
import {h, fill, data} from './dom.js';
import {api, call} from './api.js';
import {session} from './session.js';
import {t, lang, setLang, languages} from './i18n.js';
import * as signin from './views/signin.js';
import * as overview from './views/overview.js';
import * as ledger from './views/ledger.js';
import * as subaccounts from './views/subaccounts.js';
import * as mykey from './views/mykey.js';
import * as cluster from './views/cluster.js';
import * as keys from './views/keys.js';
import * as settings from './views/settings.js';

const ROOT_ID = '1';
const CUSTOMER = [['overview', overview], ['ledger', ledger], ['subaccounts', subaccounts], ['key', mykey]];
const OPERATOR = [['cluster', cluster], ['keys', keys], ['settings', settings]];

const app = document.getElementById('app');
let me = null;
let stopView = null;

function views() {
  return me && me.ID === ROOT_ID ? CUSTOMER.concat(OPERATOR) : CUSTOMER;
}

function languageSwitch() {
  const select = h('select', {id: 'lang', 'aria-label': t('lang.label'),
    onchange: e => { setLang(e.target.value); render(); }},
  languages.map(([code, name]) => h('option', {value: code, selected: code === lang()}, name)));
  return select;
}

export function signOut() {
  session.signOut();
  me = null;
  render();
}

/** Signs in with key: the key is kept (sessionStorage) only once the API has accepted it. */
export async function signInWith(key) {
  const info = await call('GET', '/dashboard/x_user/info', undefined, key);
  session.signIn(key);
  me = info;
  if (!location.hash) history.replaceState(null, '', '#overview');
  render();
}

async function render() {
  if (stopView) {
    stopView();
    stopView = null;
  }
  setLang(lang());
  document.title = t('app.title');
  if (!session.key()) {
    app.className = 'signed-out';
    fill(app, h('header', {class: 'bar'}, h('span', {class: 'brand'}, t('app.name')), h('span', {class: 'grow'}),
        languageSwitch()), signin.render({t, signInWith}));
    return;
  }
  if (!me) {
    try {
      me = await api.get('/dashboard/x_user/info');
    } catch (e) {
      session.signOut();
      fill(app, signin.render({t, signInWith, error: e.message}));
      return;
    }
  }
  const list = views();
  let name = (location.hash || '#overview').slice(1);
  if (!list.some(([n]) => n === name)) name = 'overview';
  const [, view] = list.find(([n]) => n === name);
  const nav = h('nav', {'aria-label': t('nav.label')},
      list.map(([n]) => h('a', {href: '#' + n, class: n === name ? 'active' : '', id: 'nav-' + n,
        'aria-current': n === name ? 'page' : null}, t('nav.' + n))));
  const main = h('main', {id: 'view', dataset: {view: name}});
  app.className = 'signed-in';
  fill(app,
      h('header', {class: 'bar'},
          h('span', {class: 'brand'}, t('app.name')),
          me.ID === ROOT_ID ? h('span', {class: 'badge operator'}, t('app.operator')) : null,
          nav,
          h('span', {class: 'grow'}),
          h('span', {class: 'who'}, data(me.Alias || me.Name, 'strong', {id: 'who'}), ' ',
              data(me.PartialKey, 'code')),
          languageSwitch(),
          h('button', {id: 'sign-out', class: 'link', onclick: signOut}, t('app.signOut'))),
      main);
  const ctx = {t, me, refreshMe, onStop: fn => { stopView = fn; }};
  try {
    await view.render(main, ctx);
  } catch (e) {
    main.append(h('div', {class: 'notice error', role: 'alert'}, t('error.load'), ' ', data(e.message)));
  }
  main.dataset.ready = 'true';
}

/** Reloads the signed-in account (after a change that moved its money). */
async function refreshMe() {
  me = await api.get('/dashboard/x_user/info');
  return me;
}

window.addEventListener('hashchange', () => render());
render();
