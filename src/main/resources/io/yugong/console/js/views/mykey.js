// The account's key: rotate it (the new key shown once) and the "use it" panel.
import {h, data, fill, notice, copy} from '../dom.js';
import {api} from '../api.js';
import {session} from '../session.js';

/** The new key, once: a read-only field, a copy button and the warning. */
export function shownOnce(t, key, id) {
  const input = h('input', {id, class: 'secret', readonly: true, value: key, translate: 'no', spellcheck: 'false',
    'aria-label': t('key.new')});
  const copied = h('span', {class: 'muted', role: 'status'});
  return h('div', {class: 'notice warn once'},
      h('strong', {}, t('key.onceTitle')), h('p', {}, t('key.onceWarning')),
      h('div', {class: 'row'}, input, h('button', {class: 'copy', onclick: async () => {
        fill(copied, (await copy(key)) ? t('common.copied') : t('common.copyFailed'));
      }}, t('common.copy')), copied));
}

export async function render(main, {t, me}) {
  const status = h('div', {id: 'rotate-status'});
  const confirm = h('div', {id: 'rotate-confirm', class: 'notice warn', hidden: true},
      h('p', {}, t('key.rotateWarning')),
      h('button', {id: 'rotate-yes', class: 'danger', onclick: rotate}, t('key.rotateYes')), ' ',
      h('button', {onclick: () => { confirm.hidden = true; }}, t('common.cancel')));
  async function rotate() {
    confirm.hidden = true;
    try {
      const r = await api.post('/x-self');
      session.signIn(r.SecretKey); // the old key stopped working on every node
      fill(partial, r.PartialKey);
      fill(status, shownOnce(t, r.SecretKey, 'rotated-key'));
    } catch (e) {
      fill(status, notice('error', e.message));
    }
  }
  const partial = data(me.PartialKey, 'code', {id: 'partial-key'});
  main.append(h('h1', {}, t('key.title')),
      h('section', {class: 'panel'}, h('h2', {}, t('key.current')), h('p', {}, t('key.partial'), ' ', partial),
          h('p', {class: 'muted'}, t('key.rotateIntro')),
          h('button', {id: 'rotate', onclick: () => { confirm.hidden = false; }}, t('key.rotate')), confirm, status),
      await useIt(t));
}

async function useIt(t) {
  const base = location.origin + '/v1';
  let model = 'gpt-4o-mini';
  try {
    const models = (await api.get('/v1/models')).data || [];
    if (models.length && !models.some(m => m.id === model)) model = models[0].id;
  } catch (e) { /* the snippets still show a model name */ }
  const m = JSON.stringify(model);
  const snippets = [
    ['curl', `curl ${base}/chat/completions \\
  -H "Authorization: Bearer $OPENAI_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"model": ${m}, "messages": [{"role": "user", "content": "Hello"}]}'`],
    ['Python', `from openai import OpenAI

client = OpenAI(base_url=${JSON.stringify(base)})  # the key from OPENAI_API_KEY
reply = client.chat.completions.create(
    model=${m}, messages=[{"role": "user", "content": "Hello"}])
print(reply.choices[0].message.content)`],
    ['Node', `import OpenAI from "openai";

const client = new OpenAI({ baseURL: ${JSON.stringify(base)} }); // the key from OPENAI_API_KEY
const reply = await client.chat.completions.create({
  model: ${m}, messages: [{ role: "user", content: "Hello" }],
});
console.log(reply.choices[0].message.content);`],
  ];
  return h('section', {class: 'panel', id: 'use-it'}, h('h2', {}, t('use.title')),
      h('p', {}, t('use.base'), ' ', data(base, 'code', {id: 'base-url'})),
      h('p', {class: 'muted'}, t('use.env')),
      data('export OPENAI_API_KEY=sk-…\nexport OPENAI_BASE_URL=' + base, 'pre', {class: 'code'}),
      snippets.map(([name, code]) => {
        const pre = data(code, 'pre', {class: 'code', dataset: {lang: name}});
        const copied = h('span', {class: 'muted', role: 'status'});
        return h('div', {class: 'snippet'}, h('div', {class: 'row'}, data(name, 'strong'), h('span', {class: 'grow'}),
            copied, h('button', {class: 'copy', onclick: async () => {
              fill(copied, (await copy(code)) ? t('common.copied') : t('common.copyFailed'));
            }}, t('common.copy'))), pre);
      }));
}
