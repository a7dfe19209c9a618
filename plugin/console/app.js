// The console's entry: sign-in, the hash router (#/overview, #/channels, #/channel/ID,
// #/publish[/ID], #/watch, #/keys) and the views.
import {token, whenRefused} from './api.js';
import {channelPage, channels} from './channels.js';
import {h, replace} from './dom.js';
import {keys, publish, watch} from './forms.js';
import {overview, startSampling} from './overview.js';

const view = document.getElementById('view');
const notice = document.getElementById('notice');
const signinForm = document.getElementById('signin');
const tokenInput = document.getElementById('token');
let leave = null; // the shown view's clean-up (ends its stream or its listener)

const routes = [
  [/^#\/overview$/, () => overview(view)],
  [/^#\/channels$/, () => channels(view)],
  [/^#\/channel\/([9A-Z]{81})$/, (id) => channelPage(view, id)],
  [/^#\/publish(?:\/([9A-Z]{81}))?$/, (id) => publish(view, id)],
  [/^#\/watch$/, () => watch(view)],
  [/^#\/keys$/, () => keys(view)],
];

function showNotice(text) {
  notice.hidden = !text;
  replace(notice, text || '');
}

function markCurrent(hash) {
  for (const a of document.querySelectorAll('nav a')) {
    if (hash.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  const hash = location.hash || '#/overview';
  if (!hash.startsWith('#/')) return; // an in-page anchor such as the skip link
  if (leave) leave();
  leave = null;
  showNotice('');
  markCurrent(hash);
  const match = routes.map(([re, show]) => [hash.match(re), show]).find(([m]) => m);
  if (!match) return replace(view, h('h1', {}, 'Not found'), h('p', {}, h('a', {href: '#/overview'}, 'Overview')));
  try {
    const cleanup = await match[1](...match[0].slice(1));
    if (typeof cleanup === 'function') leave = cleanup;
  } catch (err) {
    replace(view, h('h1', {}, 'Error'), h('p', {class: 'error'}, err.message));
  }
}

function showSignedIn() {
  const signedIn = Boolean(token.get());
  signinForm.hidden = signedIn;
  document.getElementById('signedin').hidden = !signedIn;
}

signinForm.addEventListener('submit', (e) => {
  e.preventDefault();
  token.set(tokenInput.value.trim());
  tokenInput.value = ''; // the token leaves the DOM at once
  showSignedIn();
  route();
});

document.getElementById('signout').addEventListener('click', () => {
  token.clear();
  showSignedIn();
  route();
  tokenInput.focus();
});

whenRefused((status) => showNotice(status === 403 ? 'The gateway refused this token: sign out and sign in again.'
                                                : 'This gateway needs the token to read: sign in.'));
// After a navigation the focus moves to the new content, as a page load would put it.
window.addEventListener('hashchange', () => route().then(() => {
  if (location.hash.startsWith('#/')) view.focus({preventScroll: true});
}));
showSignedIn();
startSampling();
route();
