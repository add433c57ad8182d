// Building the page: elements are made with createElement and filled with textContent only.
// Nothing from the API is ever parsed as HTML (account names and aliases are hostile input).

/** h('button', {class: 'x', onclick: fn}, 'text', child...) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A value that comes from data (a name, a key, a model): shown as is, never translated. */
export function data(value, tag = 'span', props = {}) {
  return h(tag, {...props, translate: 'no'}, value == null ? '' : String(value));
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  add(el, children);
  return el;
}

/** A labelled form field (label: a text or an element); returns {row, input}. */
export function field(label, input, hint) {
  const id = 'f-' + Math.random().toString(36).slice(2, 10);
  input.id = input.id || id;
  const row = h('div', {class: 'field'}, h('label', {for: input.id}, label), input,
      hint ? h('small', {class: 'hint'}, hint) : null);
  return {row, input};
}

/** An error or notice box; `message` is the API's own text. */
export function notice(kind, message) {
  return h('div', {class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status'}, data(message));
}

/** Copies text to the clipboard: the Clipboard API in a secure context, else a selected text area. */
export async function copy(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (e) { /* fall back below */ }
  const area = h('textarea', {class: 'offscreen', readonly: true, 'aria-hidden': 'true'});
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch (e) { /* not allowed */ }
  area.remove();
  return ok;
}
