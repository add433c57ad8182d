// The signed-in key lives in sessionStorage only (gone when the tab closes); never in a URL,
// localStorage, a cookie or a log. The language choice is remembered in localStorage.
const KEY = 'yugong.key';
const LANG = 'yugong.lang';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: key => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
  lang: () => localStorage.getItem(LANG),
  setLang: lang => localStorage.setItem(LANG, lang),
};
