// Calls to the node's own API with the signed-in key as a Bearer header. A refusal becomes an
// ApiError carrying the API's own message, which the views show as it is.
import {session} from './session.js';

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function call(method, path, body, key = session.key()) {
  const headers = {Authorization: 'Bearer ' + key};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, {method, headers, cache: 'no-store', credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (e) {
    throw new ApiError(0, String(e.message || e), 'network');
  }
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) { /* not JSON */ }
  if (!r.ok) {
    const err = json && json.error;
    throw new ApiError(r.status, (err && err.message) || (r.status + ' ' + r.statusText), err && err.code);
  }
  return json;
}

export const api = {
  get: path => call('GET', path),
  post: (path, body) => call('POST', path, body === undefined ? {} : body),
  put: (path, body) => call('PUT', path, body),
  patch: (path, body) => call('PATCH', path, body),
  del: path => call('DELETE', path),
};

/** A path segment or query value, encoded. */
export const enc = encodeURIComponent;
