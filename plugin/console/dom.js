// DOM helpers. Text always goes in as text nodes, never as markup, so whatever a payload holds is
// shown as written and never runs.

// h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child, [more])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'value' || name === 'checked') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let nextId = 0;
// A labelled control: the label's for= names the control's id.
export function field(labelText, control, hint) {
  if (!control.id) control.id = `f${++nextId}`;
  const parts = [h('label', {for: control.id}, labelText), control];
  if (hint) {
    const hintEl = h('small', {id: `${control.id}-hint`, class: 'hint'}, hint);
    control.setAttribute('aria-describedby', hintEl.id);
    parts.push(hintEl);
  }
  return h('div', {class: 'field'}, parts);
}

// A checkbox with its label after it (labelClass 'id' for a tryte id).
export function checkbox(labelText, attrs = {}, labelClass = null) {
  const box = h('input', {type: 'checkbox', id: `f${++nextId}`, ...attrs});
  return h('div', {class: 'check'}, box, h('label', {for: box.id, class: labelClass}, labelText));
}

// A status line (role=status) that shows results and errors of a form.
export function statusLine() {
  return h('p', {class: 'status', role: 'status', 'aria-live': 'polite'});
}

export function showResult(line, ...children) {
  line.classList.remove('error');
  replace(line, children);
}

export function showError(line, err) {
  line.classList.add('error');
  replace(line, err && err.message ? err.message : String(err));
}

export function time(ms) {
  const d = new Date(ms);
  return h('time', {datetime: d.toISOString()}, d.toLocaleString());
}

// A long tryte id shown in full, breakable anywhere.
export function mono(text) {
  return h('code', {class: 'id'}, text);
}
