// Kino's web page: plain JavaScript, no build step. Data comes from /api (token in the Authorization header;
// videos and events use the HttpOnly cookie POST /api/session sets) and live updates from /api/events.
'use strict';
const $ = (s, root = document) => root.querySelector(s);
const state = { token: null, jobs: new Map(), progress: new Map(), projects: [], project: null, models: [], loaded: 0 };
const PAGE = 500; // jobs fetched at a time; "Show more jobs" fetches the next page

const SAMPLE = JSON.stringify({
  project: 'chase', seed: 2026, defaults: { steps: 12, takes: 2 },
  shots: [
    { name: 'opening', prompt: 'a red circle moving right slowly' },
    { name: 'pursuit', prompt: 'a blue square moving right quickly' },
  ],
}, null, 2);

async function api(method, path, body, type = 'application/json') {
  const headers = { Authorization: 'Bearer ' + state.token };
  if (body !== undefined) headers['Content-Type'] = type;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : (typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body)) });
  if (r.status === 204) return null;
  const data = await r.json().catch(() => ({ error: 'The server answered ' + r.status + '.' }));
  if (!r.ok) {
    if (r.status === 401) askToken();
    throw new Error(data.error || ('HTTP ' + r.status));
  }
  return data;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'style') e.style.cssText = v; // CSSOM, allowed by the page's CSP (no inline styles)
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c.nodeType ? c : document.createTextNode(String(c)));
  return e;
}

function message(text, ok = false) {
  const m = $('#form-msg');
  m.textContent = text;
  m.className = 'msg' + (ok ? ' ok' : '');
}

// ---- token and connection -------------------------------------------------------------------------------
function askToken() {
  const d = $('#token-dialog');
  if (!d.open) d.showModal();
}

async function connect() {
  await api('POST', '/api/session');
  state.models = await api('GET', '/api/models');
  $('#f-model').replaceChildren(...state.models.map(m => el('option', { value: m.name }, m.name + ' — ' + m.manifest_name)));
  await loadProjects();
  await loadJobs();
  listen();
}

/** The first page of jobs (again), or with more = true the next one. */
async function loadJobs(more = false) {
  const offset = more ? state.loaded : 0;
  const list = await api('GET', `/api/jobs?limit=${PAGE}&offset=${offset}`);
  if (!more) state.jobs = new Map();
  for (const j of list) state.jobs.set(j.id, j);
  state.loaded = offset + list.length;
  $('#queue-more').hidden = list.length < PAGE;
  renderQueue();
}

function listen() {
  const es = new EventSource('/api/events');
  es.addEventListener('open', async () => {
    $('#status').textContent = 'live';
    await loadJobs(); // catch up on anything missed while away
  });
  es.addEventListener('error', () => { $('#status').textContent = 'reconnecting…'; });
  es.addEventListener('reload', () => loadJobs()); // a big project was queued at once: list the jobs again
  es.addEventListener('job', ev => {
    const j = JSON.parse(ev.data);
    if (j.error === 'deleted') state.jobs.delete(j.id); else state.jobs.set(j.id, j);
    if (j.state !== 'running') state.progress.delete(j.id);
    scheduleQueue();
    if (state.project && j.project === state.project.id) scheduleProject();
  });
  es.addEventListener('progress', ev => {
    const p = JSON.parse(ev.data);
    const old = state.progress.get(p.id);
    if (!p.preview && old) p.preview = old.preview;
    state.progress.set(p.id, p);
    updateProgress(p);
  });
}

// ---- queue ---------------------------------------------------------------------------------------------
let queueTimer = null;
function scheduleQueue() { if (!queueTimer) queueTimer = setTimeout(() => { queueTimer = null; renderQueue(); }, 100); }

const ORDER = { running: 0, queued: 1 };
function sortedJobs() {
  return [...state.jobs.values()].sort((a, b) => {
    const oa = ORDER[a.state] ?? 2, ob = ORDER[b.state] ?? 2;
    if (oa !== ob) return oa - ob;
    if (oa < 2) return b.priority - a.priority || a.created_at - b.created_at;
    return (b.finished_at || 0) - (a.finished_at || 0);
  });
}

function jobTitle(j) {
  if (!j.shot) return j.request.prompt;
  const p = state.projects.find(x => x.id === j.project);
  return `${p ? p.name : j.project} · ${j.shot} · take ${j.take}`;
}

function warnings(j) {
  return j.warnings && j.warnings.length ? el('div', { class: 'warning' }, j.warnings.join('\n')) : null;
}

function renderQueue() {
  const showFinished = $('#show-finished').checked;
  const rows = sortedJobs().filter(j => showFinished || !['succeeded', 'failed', 'canceled'].includes(j.state)).map(queueRow);
  $('#queue-body').replaceChildren(...rows);
  $('#queue-empty').hidden = rows.length > 0;
  const running = [...state.jobs.values()].filter(j => j.state === 'running').length;
  const queued = [...state.jobs.values()].filter(j => j.state === 'queued').length;
  $('#status').textContent = `${running} running · ${queued} queued`;
}

function queueRow(j) {
  const p = state.progress.get(j.id);
  const step = p ? p.step : j.step, steps = p ? p.steps : j.steps;
  const pct = j.state === 'succeeded' ? 100 : steps ? Math.round(100 * step / steps) : 0;
  const live = j.state === 'queued' || j.state === 'running';
  const thumb = j.state === 'succeeded'
    ? el('video', { class: 'thumb', src: j.video, muted: true, loop: true, autoplay: true, playsinline: true })
    : el('img', { class: 'thumb', alt: '', src: p && p.preview ? p.preview : null, 'data-preview': j.id });
  thumb.muted = true;
  return el('tr', { id: 'job-' + j.id, class: j.state, 'data-state': j.state },
    el('td', {}, thumb),
    el('td', {},
      el('div', { class: 'job-title' }, jobTitle(j)),
      el('div', { class: 'job-meta' }, el('span', { class: 'badge ' + j.state }, j.state), ' ',
        `${j.model} · seed ${j.request.seed}`, j.resumed_from ? ` · resumed at step ${j.resumed_from}` : '',
        j.error ? el('div', { class: 'msg' }, j.error) : null, warnings(j))),
    el('td', { class: 'progress' + (j.state === 'succeeded' ? ' done' : '') },
      el('div', { class: 'meter', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': 'progress of ' + jobTitle(j) },
        el('i', { style: `width:${pct}%` })),
      el('div', { class: 'job-meta', 'data-progress': j.id }, progressText(j, p))),
    el('td', {}, live ? el('div', { class: 'prio' },
      el('button', { class: 'icon', 'aria-label': 'Lower priority of ' + jobTitle(j), onclick: () => reprioritize(j, -1) }, '−'),
      el('span', {}, j.priority),
      el('button', { class: 'icon', 'aria-label': 'Raise priority of ' + jobTitle(j), onclick: () => reprioritize(j, 1) }, '+'))
      : el('span', { class: 'job-meta' }, j.priority)),
    el('td', {}, el('div', { class: 'actions' },
      live ? el('button', { class: 'icon danger', onclick: () => act('POST', `/api/jobs/${j.id}/cancel`) }, 'Cancel') : null,
      j.video ? el('a', { class: 'icon', href: j.video, download: j.id + '.mp4' }, 'Download') : null,
      !live || j.state === 'queued' ? el('button', { class: 'icon danger', 'aria-label': 'Delete ' + jobTitle(j), onclick: () => deleteJob(j) }, 'Delete') : null)));
}

function progressText(j, p) {
  if (j.state === 'succeeded') return `${j.frames} frames`;
  if (j.state !== 'running') return j.state === 'queued' ? 'waiting' : '';
  if (!p) return `step ${j.step}/${j.steps}`;
  return `step ${p.step}/${p.steps} · ${p.it_per_s} it/s · ETA ${p.eta_s}s`;
}

function updateProgress(p) {
  const row = document.getElementById('job-' + p.id);
  const j = state.jobs.get(p.id);
  if (row && j) {
    const pct = Math.round(100 * p.step / p.steps);
    const bar = $('.meter', row);
    bar.setAttribute('aria-valuenow', pct);
    $('i', bar).style.width = pct + '%';
    $('[data-progress]', row).textContent = progressText(j, p);
  }
  if (p.preview) document.querySelectorAll(`img[data-preview="${p.id}"]`).forEach(img => { img.src = p.preview; });
}

async function act(method, path, body) {
  try { await api(method, path, body); } catch (e) { message(e.message); }
}

/** Deletes after asking; a picked take is deleted only when the user agrees to drop its pick too. */
async function deleteJob(j) {
  if (!confirm(`Delete ${jobTitle(j)}? Its video is deleted too.`)) return;
  try {
    await api('DELETE', `/api/jobs/${j.id}`);
  } catch (e) {
    if (!/picked take/.test(e.message)) { message(e.message); return; }
    if (!confirm(`${jobTitle(j)} is the picked take of its shot. Delete it and drop the pick?`)) return;
    await act('DELETE', `/api/jobs/${j.id}?unpick=true`);
  }
}

function reprioritize(j, delta) {
  act('PATCH', `/api/jobs/${j.id}`, { priority: Math.max(-1000, Math.min(1000, j.priority + delta)) });
}

// ---- projects ------------------------------------------------------------------------------------------
async function loadProjects(select) {
  state.projects = await api('GET', '/api/projects');
  const sel = $('#project-select');
  sel.replaceChildren(...state.projects.map(p => el('option', { value: p.id }, `${p.name} (${p.id})`)));
  const id = select || (state.project && state.project.id) || (state.projects[0] && state.projects[0].id);
  if (id) { sel.value = id; await showProject(id); }
}

let projectTimer = null;
function scheduleProject() { if (!projectTimer) projectTimer = setTimeout(() => { projectTimer = null; showProject(state.project.id); }, 150); }

/** Shows a project's first shots; a refresh keeps as many shots as "Show more shots" had loaded. */
async function showProject(id) {
  const same = state.project && state.project.id === id;
  const limit = same ? Math.min(1000, Math.max(20, state.project.shots.length)) : 20;
  state.project = await api('GET', `/api/projects/${id}?shots_limit=${limit}`);
  renderProject();
}

async function moreShots() {
  const p = state.project;
  const next = await api('GET', `/api/projects/${p.id}?shots_from=${p.next_shots_from}&shots_limit=20`);
  p.shots.push(...next.shots);
  p.next_shots_from = next.next_shots_from;
  renderProject();
}

function renderProject() {
  const p = state.project;
  const root = $('#project');
  if (root.dataset.id !== p.id) { root.replaceChildren(); root.dataset.id = p.id; }
  let summary = $('.summary', root);
  if (!summary) root.append(summary = el('p', { class: 'job-meta summary' }));
  summary.textContent = `${p.shot_count} shots · ${p.finished}/${p.takes} takes finished`;
  p.shots.forEach((shot, i) => {
    let sec = root.querySelector(`section[data-shot="${CSS.escape(shot.name)}"]`);
    if (!sec) {
      sec = el('section', { class: 'shot', 'data-shot': shot.name, 'aria-label': 'Shot ' + shot.name },
        el('h2', {}, `${String(i + 1).padStart(2, '0')} ${shot.name}`), el('p', {}, shot.prompt),
        shot.continue_from ? el('p', { class: 'job-meta waits' }, `Continues from the picked take of shot ${shot.continue_from}: its takes wait until that shot has a finished pick.`) : null,
        el('div', { class: 'takes' }));
      root.insertBefore(sec, $('#shots-more', root) || $('.cutbar', root));
    }
    const takes = $('.takes', sec);
    for (const t of shot.takes) {
      const key = t.id + ':' + t.state;
      let card = takes.querySelector(`[data-job="${t.id}"]`);
      if (!card || card.dataset.key !== key) {
        const fresh = takeCard(shot, t);
        if (card) card.replaceWith(fresh); else takes.append(fresh);
        card = fresh;
      }
      const picked = shot.pick === t.id;
      card.classList.toggle('picked', picked);
      const btn = $('button.pick', card);
      if (btn) { btn.setAttribute('aria-pressed', picked); btn.textContent = picked ? '✓ Picked' : 'Pick'; }
    }
  });
  let bar = $('.cutbar', root);
  if (!bar) root.append(bar = el('div', { class: 'cutbar' }));
  let more = $('#shots-more', root);
  if (!more) root.insertBefore(more = el('button', { class: 'icon', id: 'shots-more', onclick: () => moreShots().catch(e => message(e.message)) }, 'Show more shots'), bar);
  more.hidden = p.next_shots_from === null || p.next_shots_from === undefined;
  const allPicked = p.next_shots_from === null && p.shots.every(s => s.pick);
  const cutKey = (p.cut ? p.cut.video + p.cut.frames : '') + ':' + allPicked;
  if (bar.dataset.key !== cutKey) {
    bar.dataset.key = cutKey;
    bar.replaceChildren(...[
      el('button', { class: 'primary', id: 'build-cut', disabled: !allPicked, onclick: buildCut }, 'Build the cut'),
      allPicked ? null : el('span', { class: 'job-meta' }, 'Pick one take per shot to build the cut.'),
      p.cut ? el('video', { id: 'cut-video', src: p.cut.video + '?v=' + p.cut.frames + Date.now(), controls: true, muted: true, loop: true, autoplay: true }) : null,
      p.cut ? el('div', {}, el('div', { class: 'job-meta', id: 'cut-frames' }, `${p.cut.frames} frames`),
        el('a', { class: 'icon', id: 'cut-download', href: p.cut.video, download: p.name + '-cut.mp4' }, 'Download the cut')) : null,
    ].filter(Boolean));
  }
}

function takeCard(shot, t) {
  const p = state.progress.get(t.id);
  const media = t.state === 'succeeded'
    ? el('video', { src: t.video, muted: true, loop: true, autoplay: true, playsinline: true, controls: true, 'aria-label': `${shot.name} take ${t.take}` })
    : el('div', { class: 'placeholder' }, el('img', { alt: '', 'data-preview': t.id, src: p && p.preview ? p.preview : null }),
      el('span', { class: 'badge ' + t.state }, t.state), t.error ? el('span', { class: 'msg' }, t.error) : null);
  if (media.tagName === 'VIDEO') media.muted = true;
  return el('div', { class: 'take', 'data-job': t.id, 'data-key': t.id + ':' + t.state, 'data-state': t.state }, media,
    warnings(t), el('div', { class: 'take-foot' }, `take ${t.take} · seed ${t.request.seed}`,
      t.state === 'succeeded' ? el('button', { class: 'icon pick', 'aria-pressed': 'false', onclick: () => pick(shot.name, t.id) }, 'Pick') : null));
}

async function pick(shot, job) {
  try {
    await api('PUT', `/api/projects/${state.project.id}/picks/${encodeURIComponent(shot)}`, { job });
    await showProject(state.project.id); // keeps the shots "Show more shots" loaded (the answer is the first page)
  } catch (e) { message(e.message); }
}

async function buildCut() {
  const btn = $('#build-cut');
  btn.disabled = true;
  btn.textContent = 'Building…';
  try {
    await api('POST', `/api/projects/${state.project.id}/cut`);
    message('The cut is ready.', true);
  } catch (e) { message(e.message); }
  await showProject(state.project.id);
  const cut = $('#cut-video');
  if (cut) { // the cut sits below every shot: bring it to the user, again once the video knows its size
    cut.scrollIntoView({ block: 'center' });
    cut.addEventListener('loadedmetadata', () => cut.scrollIntoView({ block: 'center' }), { once: true });
  }
}

// ---- forms, views, keys --------------------------------------------------------------------------------
function num(id) { const v = $(id).value.trim(); return v === '' ? undefined : Number(v); }

async function submitPrompt(ev) {
  ev.preventDefault();
  const body = { prompt: $('#f-prompt').value, model: $('#f-model').value, steps: num('#f-steps'), seed: num('#f-seed'),
    guidance: num('#f-guidance'), priority: num('#f-priority') };
  if ($('#f-negative').value.trim()) body.negative = $('#f-negative').value;
  try {
    const j = await api('POST', '/api/jobs', body);
    state.jobs.set(j.id, j);
    renderQueue();
    message('Queued ' + j.id + '.', true);
    $('#f-seed').value = randomSeed();
  } catch (e) { message(e.message); }
}

async function submitShots(ev) {
  ev.preventDefault();
  const yaml = $('#f-format').value === 'yaml';
  try {
    const p = await api('POST', '/api/projects?priority=' + (num('#f-spriority') || 0), $('#f-shots').value,
      yaml ? 'application/yaml' : 'application/json');
    message(`Project ${p.name}: ${p.takes} takes queued.`, true);
    await loadProjects(p.id);
    show('projects');
  } catch (e) { message(e.message); }
}

async function uploadPicture() {
  const file = $('#f-picture').files[0];
  if (!file) return;
  try {
    const p = await api('POST', '/api/pictures', file, file.type || 'application/octet-stream');
    $('#f-picture-ref').textContent = `"image": "${p.picture}"  (${p.width}×${p.height})`;
    message('Picture uploaded; name it in a shot as shown under the file field.', true);
  } catch (e) { message(e.message); }
}

function randomSeed() { return Math.floor(Math.random() * 2 ** 32); }

function show(view) {
  for (const v of ['queue', 'projects']) {
    $('#view-' + v).hidden = v !== view;
    $('#tab-' + v).setAttribute('aria-pressed', v === view);
  }
}

function mode(shots) {
  $('#prompt-form').hidden = shots;
  $('#shots-form').hidden = !shots;
  $('#mode-prompt').setAttribute('aria-pressed', !shots);
  $('#mode-shots').setAttribute('aria-pressed', shots);
}

document.addEventListener('DOMContentLoaded', () => {
  $('#f-shots').value = SAMPLE;
  $('#f-seed').value = randomSeed();
  $('#f-dice').addEventListener('click', () => { $('#f-seed').value = randomSeed(); });
  $('#prompt-form').addEventListener('submit', submitPrompt);
  $('#shots-form').addEventListener('submit', submitShots);
  $('#f-picture').addEventListener('change', uploadPicture);
  $('#mode-prompt').addEventListener('click', () => mode(false));
  $('#mode-shots').addEventListener('click', () => mode(true));
  $('#tab-queue').addEventListener('click', () => show('queue'));
  $('#tab-projects').addEventListener('click', () => show('projects'));
  $('#show-finished').addEventListener('change', renderQueue);
  $('#queue-more').addEventListener('click', () => loadJobs(true).catch(e => message(e.message)));
  $('#project-select').addEventListener('change', e => showProject(e.target.value));
  for (const f of ['#prompt-form', '#shots-form']) {
    $(f).addEventListener('keydown', e => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) $(f).requestSubmit(); });
  }
  document.addEventListener('keydown', e => {
    if (e.target.closest('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'n') { e.preventDefault(); mode(false); $('#f-prompt').focus(); }
    if (e.key === 'q') show('queue');
    if (e.key === 'p') show('projects');
  });
  $('#token-form').addEventListener('submit', () => {
    state.token = $('#token-input').value.trim();
    localStorage.setItem('kino-token', state.token);
    connect().catch(e => message(e.message));
  });
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('token')) {
    localStorage.setItem('kino-token', hash.get('token'));
    history.replaceState(null, '', location.pathname); // keep the token out of the address bar and history
  }
  state.token = localStorage.getItem('kino-token');
  if (state.token) connect().catch(e => message(e.message)); else askToken();
});
