/*
 * app.js - the web UI's only script: four small pages over the public API
 * (docs/API.md), no framework, no build step.
 *
 * Rules this file keeps, so a C programmer can audit it in one sitting:
 * - Secrets (the admin token, a participant token, the invite code) come
 *   from the URL fragment (#t=..., #i=...), which the browser never sends to
 *   a server, and go out only in the Authorization header or the JSON body.
 * - Every text a user typed is put on the page with textContent, never as
 *   HTML (the server's Content-Security-Policy also enforces Trusted Types,
 *   so an innerHTML assignment would throw).
 * - An API error (RFC 9457 problem+json) is shown as a sentence next to
 *   the form field it names ("field"), or under the form when it names none.
 */
'use strict';

// ---- small helpers --------------------------------------------------------

const $ = (id) => document.getElementById(id);

/* The URL fragment as parameters: "#t=abc&i=xyz". */
const secrets = new URLSearchParams(location.hash.slice(1));

/* The exchange id of /x/{id}/page. */
const exchangeId = location.pathname.split('/')[2] || '';

/* "name must be 1 to 100 characters" -> "Name must be 1 to 100 characters." */
function sentence(text) {
  const s = String(text || 'something went wrong').trim();
  const first = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(first) ? first : first + '.';
}

/* A new element holding `text` as text. */
function make(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function show(id, on) {
  $(id).hidden = !on;
}

/* One API call. Resolves to {ok, status, data} or {ok: false, status, problem};
 * never throws, so every caller has exactly one error path. */
async function api(method, path, token, body) {
  const headers = {};
  if (token) headers.Authorization = 'Bearer ' + token;
  const init = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    return { ok: false, status: 0, problem: { detail: 'the server did not answer; check that it runs, then try again' } };
  }
  let data = null;
  const text = await resp.text();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (resp.ok) return { ok: true, status: resp.status, data };
  const problem = data && typeof data === 'object' ? data : { detail: 'the server answered ' + resp.status };
  return { ok: false, status: resp.status, problem };
}

/* Removes the problems an earlier attempt left in `form`. */
function clearProblems(form) {
  for (const p of form.querySelectorAll('.problem')) p.remove();
  for (const f of form.querySelectorAll('.invalid')) {
    f.classList.remove('invalid');
    f.removeAttribute('aria-invalid');
  }
}

/* Shows a problem next to the field it names, or at the end of the form. */
function showProblem(form, problem) {
  clearProblems(form);
  const p = make('p', sentence(problem.detail || problem.title), 'problem');
  p.setAttribute('role', 'alert');
  const field = problem.field ? form.querySelector('[name="' + CSS.escape(problem.field) + '"]') : null;
  if (field) {
    p.dataset.problemFor = problem.field;
    field.classList.add('invalid');
    field.setAttribute('aria-invalid', 'true');
    (field.closest('label') || field).after(p);
    field.focus();
  } else {
    form.append(p);
  }
}

/* A problem outside any form, in a <p class="problem" data-problem=NAME>. */
function showNote(name, problem) {
  const p = document.querySelector('[data-problem="' + name + '"]');
  p.textContent = problem ? sentence(problem.detail || problem.title) : '';
  p.hidden = !problem;
}

/* Wires a form's submit to an async action; the button stays disabled while
 * the request runs, so a double click cannot send it twice. */
function onSubmit(form, action) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      clearProblems(form);
      await action(form);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      if (typeof form.afterSubmit === 'function') form.afterSubmit();
    }
  });
}

function pageUrl(page, params) {
  const hash = new URLSearchParams(params).toString();
  return location.origin + '/x/' + encodeURIComponent(exchangeId || params.id) + '/' + page + '#' + hash;
}

function setLink(id, url) {
  $(id).href = url;
  $(id).textContent = url;
}

/* The exchange's public facts into #exchange-name, #exchange-facts, #status. */
function showExchange(x) {
  $('exchange-name').textContent = x.name;
  document.title = x.name + ' · Secret Santa';
  const facts = [];
  if (x.budget) facts.push('Budget: ' + x.budget);
  if (x.exchange_date) facts.push('Date: ' + x.exchange_date);
  if (x.no_mutual) facts.push('nobody gives to the person who gives to them');
  facts.push(x.participant_count + (x.participant_count === 1 ? ' participant' : ' participants'));
  $('exchange-facts').textContent = facts.join(' · ');
  const status = $('status');
  if (status) {
    status.textContent = x.status;
    status.className = 'badge ' + x.status;
  }
}

const store = {
  get(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch (e) { return fallback; }
  },
  set(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: fine */ }
  },
};

// ---- create: / -------------------------------------------------------------

function pageCreate() {
  onSubmit($('create-form'), async (form) => {
    const body = { name: form.elements.name.value, no_mutual: form.elements.no_mutual.checked };
    if (form.elements.budget.value) body.budget = form.elements.budget.value;
    if (form.elements.exchange_date.value) body.exchange_date = form.elements.exchange_date.value;
    const r = await api('POST', '/api/exchanges', null, body);
    if (!r.ok) return showProblem(form, r.problem);
    const url = pageUrl('admin', { id: r.data.id, t: r.data.admin_token, i: r.data.invite_code });
    setLink('admin-link', url);
    $('admin-open').href = url;
    show('create-section', false);
    show('created', true);
  });
}

// ---- join: /x/{id}/join#i=INVITE ------------------------------------------

async function pageJoin() {
  const form = $('join-form');
  const invite = secrets.get('i');
  const r = await api('GET', '/api/exchanges/' + encodeURIComponent(exchangeId));
  if (!r.ok) {
    showProblem(form, r.status === 404 ? { detail: 'this exchange does not exist (check the link)' } : r.problem);
    form.querySelector('button').disabled = true;
    return;
  }
  showExchange(r.data);
  if (!invite) {
    showProblem(form, { detail: 'this invite link is incomplete: ask the organizer for the whole link' });
    return;
  }
  onSubmit(form, async () => {
    const body = { invite_code: invite, name: form.elements.name.value, email: form.elements.email.value };
    if (form.elements.wishlist.value) body.wishlist = form.elements.wishlist.value;
    const j = await api('POST', '/api/exchanges/' + encodeURIComponent(exchangeId) + '/participants', null, body);
    if (!j.ok) return showProblem(form, j.problem);
    store.set('santa:wish:' + j.data.id, body.wishlist || '');
    const url = pageUrl('me', { t: j.data.token, p: j.data.id });
    setLink('me-link', url);
    $('me-open').href = url;
    show('join-section', false);
    show('joined', true);
  });
}

// ---- organizer: /x/{id}/admin#t=ADMIN&i=INVITE -----------------------------

async function pageAdmin() {
  const token = secrets.get('t');
  const invite = secrets.get('i');
  const base = '/api/exchanges/' + encodeURIComponent(exchangeId);
  const exclKey = 'santa:excl:' + exchangeId;
  let people = []; // [{id, name, email, wishlist}] in join order
  let drawn = false;

  if (invite) setLink('invite-link', pageUrl('join', { i: invite }));
  else $('invite-link').textContent = 'The invite code is not part of this link.';

  function nameOf(id) {
    const p = people.find((x) => x.id === id);
    return p ? p.name : '(removed)';
  }

  function renderExclusions() {
    const list = $('exclusions');
    list.replaceChildren();
    const ids = new Set(people.map((p) => p.id));
    for (const e of store.get(exclKey, [])) {
      if (!ids.has(e.giver) || !ids.has(e.receiver)) continue; // removing a participant drops them
      const arrow = e.mutual ? ' and ' : ' must not give to ';
      const tail = e.mutual ? ' never give to each other' : '';
      list.append(make('li', nameOf(e.giver) + arrow + nameOf(e.receiver) + tail));
    }
  }

  function renderPeople() {
    const body = $('participants').tBodies[0];
    body.replaceChildren();
    for (const p of people) {
      const tr = document.createElement('tr');
      tr.dataset.participant = p.id;
      tr.append(make('td', p.name, 'user-text name'), make('td', p.email, 'user-text'),
                make('td', p.wishlist || '', 'user-text'));
      const td = make('td');
      if (!drawn) {
        const b = make('button', 'Remove', 'small');
        b.type = 'button';
        b.addEventListener('click', () => removePerson(p));
        td.append(b);
      }
      tr.append(td);
      body.append(tr);
    }
    $('participant-count').textContent = '(' + people.length + ')';
    show('participants-empty', people.length === 0);
    for (const name of ['giver', 'receiver']) {
      const select = $('exclusion-form').elements[name];
      const keep = select.value;
      select.replaceChildren();
      for (const p of people) select.append(new Option(p.name, p.id));
      if (people.some((p) => p.id === keep)) select.value = keep;
    }
    // Never offer "Ann must not give to Ann" as the starting choice.
    const pick = $('exclusion-form').elements;
    if (people.length > 1 && pick.receiver.value === pick.giver.value) {
      pick.receiver.selectedIndex = (pick.giver.selectedIndex + 1) % people.length;
    }
    renderExclusions();
  }

  async function refresh() {
    const x = await api('GET', base);
    if (!x.ok) return showNote('participants', x.problem);
    showExchange(x.data);
    drawn = x.data.status === 'drawn';
    $('draw-button').disabled = drawn;
    $('undraw-button').disabled = !drawn;
    show('draw-done', drawn);
    for (const b of $('exclusion-form').querySelectorAll('button')) b.disabled = drawn;
    const all = [];
    let cursor = null;
    do {
      const q = '?limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
      const r = await api('GET', base + '/participants' + q, token);
      if (!r.ok) {
        const wrong = r.status === 401 || r.status === 403;
        return showNote('participants', wrong ? { detail: 'this organizer link is not valid for this exchange (check that you copied all of it)' } : r.problem);
      }
      all.push(...r.data.participants);
      cursor = r.data.next_cursor;
    } while (cursor);
    showNote('participants', null);
    people = all;
    renderPeople();
  }

  async function removePerson(p) {
    const r = await api('DELETE', base + '/participants/' + encodeURIComponent(p.id), token);
    if (!r.ok) return showNote('participants', r.problem);
    await refresh();
  }

  // Buttons disabled during a submit are set right again from the state.
  for (const f of ['exclusion-form', 'draw-form']) $(f).afterSubmit = () => refresh();

  onSubmit($('exclusion-form'), async (form) => {
    const e = { giver: form.elements.giver.value, receiver: form.elements.receiver.value,
                mutual: form.elements.mutual.checked };
    const r = await api('POST', base + '/exclusions', token, e);
    if (!r.ok) return showProblem(form, r.problem);
    store.set(exclKey, store.get(exclKey, []).concat([e]));
    renderExclusions();
  });

  onSubmit($('draw-form'), async (form) => {
    const r = await api('POST', base + '/draw', token);
    if (!r.ok) return showProblem(form, r.problem);
  });

  $('undraw-button').addEventListener('click', async () => {
    const form = $('draw-form');
    clearProblems(form);
    const r = await api('DELETE', base + '/draw', token);
    if (!r.ok) showProblem(form, r.problem);
    await refresh();
  });

  onSubmit($('reminders-form'), async (form) => {
    show('reminders-done', false);
    const r = await api('POST', base + '/reminders', token);
    if (!r.ok) return showProblem(form, r.problem);
    $('reminders-done').textContent = r.data.queued + (r.data.queued === 1 ? ' reminder' : ' reminders') +
      ' queued, one for each participant.';
    show('reminders-done', true);
  });

  if (!token) {
    return showNote('participants', { detail: 'this organizer link is incomplete: it must end with #t= and the token' });
  }
  // People join from other browsers: the organizer gets the new list on a
  // click, or on coming back to the tab (no polling while nobody looks).
  $('participants-refresh').addEventListener('click', refresh);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  await refresh();
}

// ---- participant: /x/{id}/me#t=TOKEN&p=PID --------------------------------

async function pageMe() {
  const token = secrets.get('t');
  const pid = secrets.get('p') || '';
  const base = '/api/exchanges/' + encodeURIComponent(exchangeId);
  const wishKey = 'santa:wish:' + pid;

  async function refresh() {
    const x = await api('GET', base);
    if (x.ok) showExchange(x.data);
    const r = await api('GET', base + '/assignment', token);
    const pending = !r.ok && r.problem.code === 'not_drawn';
    show('assignment-pending', pending);
    show('assignment-drawn', r.ok);
    if (r.ok) {
      $('giver-name').textContent = r.data.giver.name;
      $('recipient-name').textContent = r.data.recipient.name;
      const wish = r.data.recipient.wishlist;
      $('recipient-wishlist').textContent = wish || '(no wishlist yet: a surprise, then)';
    }
    const wrong = !r.ok && (r.status === 401 || r.status === 403);
    showNote('assignment', r.ok || pending ? null
      : wrong ? { detail: 'this link is not valid for this exchange (check that you copied all of it)' } : r.problem);
  }

  const form = $('wishlist-form');
  form.elements.wishlist.value = store.get(wishKey, '');
  onSubmit(form, async () => {
    show('wishlist-saved', false);
    const wishlist = form.elements.wishlist.value;
    const r = await api('PUT', base + '/participants/' + encodeURIComponent(pid) + '/wishlist', token, { wishlist });
    if (!r.ok) return showProblem(form, r.problem);
    store.set(wishKey, r.data.wishlist);
    show('wishlist-saved', true);
  });
  $('refresh').addEventListener('click', refresh);

  if (!token || !pid) {
    return showNote('assignment', { detail: 'this link is incomplete: it must end with #t=…&p=…' });
  }
  await refresh();
}

const pages = { create: pageCreate, join: pageJoin, admin: pageAdmin, me: pageMe };
const start = pages[document.body.dataset.page];
if (start) {
  Promise.resolve(start()).finally(() => { document.body.dataset.ready = 'true'; });
}
