// Publish, Watch and Keys. Write routes need the token; without it the forms say so.
import {api, token} from './api.js';
import {checkbox, field, h, mono, replace, showError, showResult, statusLine} from './dom.js';

function needToken(status, button) {
  if (token.get()) return false;
  button.disabled = true;
  showResult(status, 'Sign in with the token to use this form.');
  return true;
}

// Runs action for a form's submit with its button disabled meanwhile; errors show the API's message.
function onSubmit(form, button, status, busyText, action) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    showResult(status, busyText);
    try {
      await action();
    } catch (err) {
      showError(status, err);
    } finally {
      button.disabled = false;
    }
  });
}

function option(value, text, selected) {
  return h('option', {value, selected: selected || false}, text);
}

function lines(text) {
  return text.split(/\s+/).map((s) => s.trim()).filter(Boolean);
}

// Checkboxes for the keys the gateway holds, in a fieldset with a legend.
function keyChoices(legend, ids) {
  return h('fieldset', {}, h('legend', {}, legend),
    ids.length ? ids.map((id) => checkbox(id, {value: id, name: legend}, 'id')) : h('p', {class: 'hint'}, 'None held.'));
}

function checked(fieldset) {
  return [...fieldset.querySelectorAll('input[type=checkbox]:checked')].map((b) => b.value);
}

// ---- publish

export async function publish(root, preselected) {
  replace(root, h('h1', {}, 'Publish'), h('p', {}, 'Loading…'));
  const [c, p, n] = await Promise.all([api('GET', '/v1/channels'), api('GET', '/v1/psks'), api('GET', '/v1/ntru-keys')]);
  const channelSel = h('select', {required: true, name: 'channel'},
    c.channels.map((ch) => option(ch.channel_id, `${ch.channel_id.slice(0, 12)}… (${ch.remaining_signatures} signatures left)`,
      ch.channel_id === preselected)));
  const endpointSel = h('select', {name: 'endpoint'});
  const fillEndpoints = () => {
    const ch = c.channels.find((x) => x.channel_id === channelSel.value);
    replace(endpointSel, option('', 'the channel itself'),
      (ch ? ch.endpoints : []).map((ep) => option(ep.endpoint_id, `${ep.endpoint_id.slice(0, 12)}… (${ep.remaining_signatures} left)`)));
  };
  channelSel.addEventListener('change', fillEndpoints);
  fillEndpoints();
  const payload = h('textarea', {rows: 4, required: true, name: 'payload'});
  const encoding = h('select', {name: 'encoding'}, option('text', 'text (UTF-8)'), option('base64', 'base64'));
  const checksum = h('select', {name: 'checksum'},
    option('signature', 'signature', true), option('mac', 'MAC'), option('none', 'none'));
  const psks = keyChoices('PSKs', p.psks.map((k) => k.id));
  const ntru = keyChoices('NTRU keys of this gateway', n.ntru_keys.map((k) => k.id));
  const otherNtru = h('textarea', {rows: 2, name: 'ntru_public_keys', spellcheck: 'false'});
  const packets = h('input', {type: 'number', min: 1, value: 1, required: true, name: 'packets'});
  const button = h('button', {type: 'submit'}, 'Publish');
  const status = statusLine();
  const form = h('form', {class: 'stack', 'aria-label': 'Publish a message'},
    field('Channel', channelSel), field('Endpoint', endpointSel),
    field('Payload', payload), field('Encoding', encoding), field('Checksum', checksum),
    h('fieldset', {}, h('legend', {}, 'Recipients (none ticked: public)'), psks, ntru,
      field('Other NTRU public keys', otherNtru, 'one public key (3072 trytes) per line')),
    field('Packets', packets), button, status);
  replace(root, h('h1', {}, 'Publish'),
    c.channels.length ? form : h('p', {}, 'No own channel yet: ', h('a', {href: '#/channels'}, 'create one'), '.'));
  if (needToken(status, button)) return;
  onSubmit(form, button, status, 'Publishing (proof of work)…', async () => {
    const ntruKeys = await Promise.all(checked(ntru).map((id) => api('GET', `/v1/ntru-keys/${id}`)));
    const body = {
      payload: payload.value, encoding: encoding.value, checksum: checksum.value, packets: Number(packets.value),
      psks: checked(psks), ntru_public_keys: [...ntruKeys.map((k) => k.public_key), ...lines(otherNtru.value)],
    };
    if (endpointSel.value) body.endpoint_id = endpointSel.value;
    const res = await api('POST', `/v1/channels/${channelSel.value}/messages`, body);
    showResult(status, 'Published message ', mono(res.message_id), ` · ${res.remaining_signatures} signatures left · `,
      h('a', {href: `#/channel/${res.channel_id}`}, 'see the channel'));
  });
}

// ---- watch

function pskPairs(text) {
  return lines(text).map((line) => {
    const [id, key] = line.split(':');
    return {id, key};
  });
}

export async function watch(root) {
  replace(root, h('h1', {}, 'Watch'), h('p', {}, 'Loading…'));
  const [n, w] = await Promise.all([api('GET', '/v1/ntru-keys'), api('GET', '/v1/watches')]);
  const channel = h('input', {type: 'text', required: true, name: 'channel_id', spellcheck: 'false',
                              pattern: '[9A-Z]{81}', autocomplete: 'off'});
  const psks = h('textarea', {rows: 2, name: 'psks', spellcheck: 'false'});
  const ntru = keyChoices('NTRU keys to decrypt with', n.ntru_keys.map((k) => k.id));
  const backfill = checkbox('Back-fill past messages from the node', {checked: true, name: 'backfill'});
  const button = h('button', {type: 'submit'}, 'Watch');
  const status = statusLine();
  const form = h('form', {class: 'stack', 'aria-label': 'Watch a channel'},
    field('Channel id', channel, '81 trytes (9 and A-Z)'),
    field('PSKs', psks, 'id:key per line (27 and 81 trytes)'), ntru, backfill, button, status);
  const list = h('ul', {class: 'plain list'});
  const fillList = (watches) => replace(list, watches.length ? watches.map((x) => h('li', {},
    h('a', {href: `#/channel/${x.channel_id}`, class: 'id'}, x.channel_id), ' ',
    h('button', {type: 'button', class: 'small', 'aria-label': `Stop watching ${x.channel_id}`,
                 disabled: !token.get(), onclick: async () => {
        try {
          await api('DELETE', `/v1/watches/${x.channel_id}`);
          fillList((await api('GET', '/v1/watches')).watches);
        } catch (err) {
          showError(status, err);
        }
      }}, 'Stop'))) : h('li', {}, 'No watched channel.'));
  fillList(w.watches);
  replace(root, h('h1', {}, 'Watch'), form, h('h2', {}, 'Watched channels'), list);
  if (needToken(status, button)) return;
  onSubmit(form, button, status, 'Adding the watch…', async () => {
    const res = await api('POST', '/v1/watches', {
      channel_id: channel.value.trim(), psks: pskPairs(psks.value), ntru_key_ids: checked(ntru),
      backfill: backfill.querySelector('input').checked,
    });
    psks.value = '';
    showResult(status, 'Watching ', h('a', {href: `#/channel/${res.channel_id}`}, 'the channel'),
      res.backfill ? ' (back-filling its history)' : '');
    fillList((await api('GET', '/v1/watches')).watches);
  });
}

// ---- keys

// A secret shown once, until dismissed; it is never fetched again.
function secretBox(title, rows, onDismiss) {
  const box = h('div', {class: 'secret', role: 'region', 'aria-label': title},
    h('h3', {}, title), h('p', {}, 'Copy it now: the gateway never shows it again.'),
    h('dl', {class: 'facts'}, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, mono(v))])));
  box.append(h('button', {type: 'button', onclick: () => {
    box.remove();
    onDismiss();
  }}, 'Dismiss'));
  return box;
}

export async function keys(root) {
  const pskList = h('ul', {class: 'plain list', 'aria-label': 'PSKs'});
  const ntruList = h('ul', {class: 'plain list', 'aria-label': 'NTRU keys'});
  const created = h('div', {});
  const status = statusLine();
  const signedIn = Boolean(token.get());
  async function load() {
    const [p, n] = await Promise.all([api('GET', '/v1/psks'), api('GET', '/v1/ntru-keys')]);
    replace(pskList, p.psks.length ? p.psks.map((k) => h('li', {}, mono(k.id), ' ',
      h('button', {type: 'button', class: 'small', disabled: !signedIn, 'aria-label': `Delete PSK ${k.id}`,
                   onclick: () => act(() => api('DELETE', `/v1/psks/${k.id}`))}, 'Delete'))) : h('li', {}, 'None.'));
    replace(ntruList, n.ntru_keys.length ? n.ntru_keys.map((k) => h('li', {}, mono(k.id))) : h('li', {}, 'None.'));
  }
  async function act(fn) {
    try {
      await fn();
      showResult(status, '');
      await load();
    } catch (err) {
      showError(status, err);
    }
  }
  const newPsk = h('button', {type: 'button', disabled: !signedIn, onclick: () => act(async () => {
    const k = await api('POST', '/v1/psks', {});
    replace(created, secretBox('New PSK', [['Id', k.id], ['Key', k.key]], () => newPsk.focus()));
  })}, 'Create PSK');
  const newNtru = h('button', {type: 'button', disabled: !signedIn, onclick: () => act(async () => {
    showResult(status, 'Generating an NTRU key pair…');
    const k = await api('POST', '/v1/ntru-keys');
    replace(created, h('div', {class: 'secret', role: 'region', 'aria-label': 'New NTRU key'},
      h('h3', {}, 'New NTRU key'), h('p', {}, 'The secret key stays in the gateway. Public key:'),
      h('dl', {class: 'facts'}, h('dt', {}, 'Id'), h('dd', {}, mono(k.id)),
        h('dt', {}, 'Public key'), h('dd', {}, h('pre', {class: 'id'}, k.public_key)))));
  })}, 'Create NTRU key');
  replace(root, h('h1', {}, 'Keys'), signedIn ? null : h('p', {}, 'Sign in with the token to create or delete keys.'),
    h('div', {class: 'actions'}, newPsk, newNtru), status, created,
    h('section', {'aria-labelledby': 'k-psk'}, h('h2', {id: 'k-psk'}, 'PSKs'), pskList),
    h('section', {'aria-labelledby': 'k-ntru'}, h('h2', {id: 'k-ntru'}, 'NTRU keys'), ntruList));
  await load();
}
