// The Squadline sandbox page. It shows what the bot sends, as it sends and edits it (the
// event stream), and acts as the chosen person through the sandbox's API. It knows nothing
// of the bot's wording or commands: it draws whatever comes, and the "/" menu is the one the
// bot registered. Its own words come from the sandbox, in the language chosen on the page.
// Every text goes in with textContent, never as HTML.
"use strict";

import { drawMap, pinCard } from "/static/map.js";

const state = {
  words: {},
  language: "en",
  personas: [],
  places: [],
  messages: new Map(), // "chat:id" -> message
  keyboards: {},
  commands: {},
  active: null,
  status: "starting",
  tourRunning: false,
  replyTo: { group: null, private: null },
  pickerFor: null,
};

const $ = (selector, root = document) => root.querySelector(selector);

// One of the page's words, its {placeholders} filled in.
function w(name, values = {}) {
  const sentence = state.words[name] ?? name;
  return sentence.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));
}

function applyWords() {
  document.documentElement.lang = state.language;
  for (const node of document.querySelectorAll("[data-word]")) node.textContent = w(node.dataset.word);
  const attributes = { wordTitle: "title", wordPlaceholder: "placeholder", wordAriaLabel: "aria-label" };
  for (const node of document.querySelectorAll("[data-word-title], [data-word-placeholder], [data-word-aria-label]")) {
    for (const [key, attribute] of Object.entries(attributes)) {
      if (node.dataset[key]) node.setAttribute(attribute, w(node.dataset[key]));
    }
  }
}

function renderLanguages(languages) {
  const select = $("#language");
  select.replaceChildren();
  for (const [code, name] of Object.entries(languages)) {
    select.append(el("option", { value: code, text: name, selected: code === state.language }));
  }
  select.value = state.language;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-")) node.setAttribute(key, String(value));
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// -- the API --------------------------------------------------------------------------------

async function api(path, body) {
  const response = await fetch(`/api/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    // The API's reasons are for developers; the page says it in its own words.
    const word = { 409: "not_ready", 404: "gone" }[response.status] || "refused";
    toast(null, w(word), true);
  }
  return answer;
}

// -- people -----------------------------------------------------------------------------------

function persona(key) {
  return state.personas.find((p) => p.key === key);
}

function renderPersonas() {
  const nav = $("#personas");
  nav.replaceChildren();
  for (const p of state.personas) {
    nav.append(el("button", {
      type: "button",
      class: `persona role-${p.role}` + (p.key === state.active ? " active" : ""),
      "data-persona": p.key,
      "aria-pressed": p.key === state.active ? "true" : "false",
      onclick: () => choose(p.key),
    }, el("strong", { text: p.name }), el("small", { text: p.description })));
  }
  const chats = $("#private-chats");
  for (const p of state.personas) {
    if (!$(`ol[data-chat="${p.key}"]`, chats)) {
      chats.append(el("ol", { class: "messages", "data-chat": p.key, hidden: true }));
    }
  }
}

function choose(key) {
  if (!persona(key)) return;
  state.active = key;
  for (const chip of document.querySelectorAll(".persona")) {
    const on = chip.dataset.persona === key;
    chip.classList.toggle("active", on);
    chip.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) chip.classList.remove("unread");
  }
  for (const list of document.querySelectorAll("#private-chats ol")) {
    list.hidden = list.dataset.chat !== key;
  }
  for (const heading of document.querySelectorAll("[data-heading]")) {
    heading.textContent = w(heading.dataset.heading, { name: persona(key).name });
  }
  for (const li of document.querySelectorAll('ol[data-chat="group"] li')) {
    li.classList.toggle("me", li.dataset.from === key);
  }
  state.replyTo.private = null;
  showReply("private");
  renderKeyboard();
  hideMenus();
  scrollDown($(`#private-chats ol[data-chat="${key}"]`), true);
}

// -- messages ---------------------------------------------------------------------------------

function time(at) {
  const d = new Date(at * 1000);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function listFor(chat) {
  return chat === "group" ? $('ol[data-chat="group"]') : $(`#private-chats ol[data-chat="${chat}"]`);
}

function renderMessage(m) {
  const node = el("li", {
    class: `msg ${m.from === "bot" ? "bot" : "person"}` + (m.from === state.active ? " me" : ""),
    "data-chat": m.chat,
    "data-id": m.id,
    "data-from": m.from,
    "data-edits": m.edits,
    "data-actions": m.buttons.flat().map((b) => b.action || "link").join(" "),
  });
  if (m.chat === "group") node.append(el("div", { class: "sender", text: m.name }));
  if (m.reply_to) {
    const original = state.messages.get(`${m.chat}:${m.reply_to}`);
    const quoted = original ? (original.text || (original.pin ? w("location") : "…")) : w("deleted");
    node.append(el("div", { class: "quote", text: quoted.slice(0, 80) }));
  }
  if (m.pin) node.append(pinCard(m.pin, state.places, w(m.pin.live ? "live_location" : "location")));
  if (m.photo) node.append(el("img", { class: "photo", src: `/api/file/${encodeURIComponent(m.photo)}`, alt: w("photo") }));
  if (m.document) node.append(el("div", { class: "document", text: `📄 ${m.document}` }));
  if (m.text) node.append(el("div", { class: "text", text: m.text }));
  if (m.buttons.length) {
    const keyboard = el("div", { class: "inline" });
    for (const row of m.buttons) {
      const line = el("div", { class: "row" });
      for (const b of row) {
        line.append(el("button", {
          type: "button",
          text: b.url ? `${b.text} ↗` : b.text,
          "data-action": b.action || "link",
          onclick: () => (b.url ? openLink(b.url) : press(m, b)),
        }));
      }
      keyboard.append(line);
    }
    node.append(keyboard);
  }
  node.append(el("div", { class: "meta" },
    el("span", { text: m.edits ? w("edited", { time: time(m.at) }) : time(m.at) }),
    el("button", { type: "button", class: "reply", text: w("reply"), onclick: () => replyTo(m) })));
  return node;
}

function upsert(m, fresh = true) {
  const key = `${m.chat}:${m.id}`;
  const before = state.messages.get(key);
  state.messages.set(key, m);
  const list = listFor(m.chat);
  if (!list) return;
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const node = renderMessage(m);
  const old = $(`li[data-id="${m.id}"]`, list);
  if (old) {
    old.replaceWith(node);
    if (before && m.edits !== before.edits) flash(node);
  } else {
    const after = [...list.children].find((li) => Number(li.dataset.id) > m.id);
    list.insertBefore(node, after || null);
    if (fresh && m.chat !== "group" && m.chat !== state.active) {
      const chip = $(`.persona[data-persona="${m.chat}"]`);
      if (chip) chip.classList.add("unread");
    }
  }
  scrollDown(list, nearBottom || m.from === state.active);
}

function remove(chat, id) {
  state.messages.delete(`${chat}:${id}`);
  const list = listFor(chat);
  const node = list && $(`li[data-id="${id}"]`, list);
  if (node) node.remove();
}

function flash(node) {
  node.classList.add("changed");
  setTimeout(() => node.classList.remove("changed"), 1600);
}

function scrollDown(list, really) {
  if (list && really) list.scrollTop = list.scrollHeight;
}

// -- acting -----------------------------------------------------------------------------------

function press(m, button) {
  hideMenus();
  return api("press", { persona: state.active, chat: m.chat, message: m.id, data: button.data });
}

async function openLink(url) {
  const answer = await api("open", { persona: state.active, url });
  if (answer.ok && !answer.opened) {
    toast(null, w("link_closed"));
  }
}

function replyTo(m) {
  const where = m.chat === "group" ? "group" : "private";
  state.replyTo[where] = m.id;
  showReply(where);
  $(`form[data-where="${where}"] input`).focus();
}

function showReply(where) {
  const pane = where === "group" ? $("#group-pane") : $("#private-pane");
  const box = $(".replying", pane);
  const id = state.replyTo[where];
  box.hidden = !id;
  if (id) {
    const chat = where === "group" ? "group" : state.active;
    const original = state.messages.get(`${chat}:${id}`);
    const text = original ? (original.text || w("location")) : w("deleted");
    $("span", box).textContent = w("replying", { text: text.slice(0, 60) });
  }
}

async function send(where, text) {
  const reply = state.replyTo[where];
  state.replyTo[where] = null;
  showReply(where);
  return api("say", { persona: state.active, chat: where, text, reply_to: reply });
}

function openPicker(where) {
  state.pickerFor = where;
  const dialog = $("#picker");
  $(".where", dialog).textContent = w(where === "group" ? "share_group" : "share_private");
  dialog.showModal();
}

async function share(spot) {
  const dialog = $("#picker");
  const where = state.pickerFor;
  const live = $('input[name="live"]', dialog).checked;
  dialog.close();
  const reply = state.replyTo[where];
  state.replyTo[where] = null;
  showReply(where);
  await api("share", { persona: state.active, chat: where, live, reply_to: reply, ...spot });
}

function buildPicker() {
  const dialog = $("#picker");
  const map = drawMap(state.places, { labels: true });
  map.classList.add("big");
  map.addEventListener("click", (event) => {
    const box = map.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    const y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
    share({ x: Math.round(x * 1000) / 1000, y: Math.round(y * 1000) / 1000 });
  });
  $(".map", dialog).replaceChildren(map);
  const places = $(".places", dialog);
  places.replaceChildren();
  for (const place of state.places) {
    places.append(el("button", {
      type: "button",
      text: `📍 ${place.name}`,
      "data-place": place.key,
      onclick: () => share({ place: place.key }),
    }));
  }
}

// -- the bot's menus and keyboards ------------------------------------------------------------

function commandsFor(where) {
  const lists = state.commands;
  if (where === "private") return lists.all_private_chats || lists.default || [];
  const p = persona(state.active);
  if (p && p.role === "lead" && lists.all_chat_administrators) return lists.all_chat_administrators;
  return lists.all_group_chats || lists.default || [];
}

function toggleMenu(where) {
  const pane = where === "group" ? $("#group-pane") : $("#private-pane");
  const menu = $(".menu", pane);
  const open = menu.hidden;
  hideMenus();
  if (!open) return;
  menu.replaceChildren();
  for (const c of commandsFor(where)) {
    menu.append(el("button", {
      type: "button",
      onclick: () => {
        const input = $(`form[data-where="${where}"] input`);
        input.value = `/${c.command} `;
        hideMenus();
        input.focus();
      },
    }, el("b", { text: `/${c.command}` }), el("span", { text: c.description })));
  }
  if (!menu.children.length) menu.append(el("p", { text: w("no_commands") }));
  menu.hidden = false;
}

function hideMenus() {
  for (const menu of document.querySelectorAll(".menu")) menu.hidden = true;
}

function renderKeyboard() {
  const box = $("#private-pane .keyboard");
  const rows = state.keyboards[state.active];
  box.replaceChildren();
  box.hidden = !rows;
  if (!rows) return;
  for (const row of rows) {
    const line = el("div", { class: "row" });
    for (const b of row) {
      line.append(el("button", {
        type: "button",
        text: b.text,
        "data-keyboard": b.location ? "location" : "text",
        onclick: () => {
          delete state.keyboards[state.active]; // Telegram hides a one-time keyboard
          renderKeyboard();
          if (b.location) openPicker("private");
          else send("private", b.text);
        },
      }));
    }
    box.append(line);
  }
}

// -- what the sandbox says --------------------------------------------------------------------

function toast(who, text, alert = false) {
  const shown = who && persona(who) ? w("sees", { name: persona(who).name, text }) : text;
  const node = el("div", { class: alert ? "toast alert" : "toast", text: shown });
  $("#toasts").append(node);
  setTimeout(() => node.remove(), alert ? 8000 : 4500);
}

function setStatus(status) {
  state.status = status.state;
  document.body.dataset.status = status.state;
  const box = $("#status");
  box.textContent = status.state === "ready" ? "" : status.text;
  box.hidden = status.state === "ready";
  box.classList.toggle("failed", status.state === "failed");
  updateButtons();
}

function setTour(running) {
  state.tourRunning = running;
  document.body.dataset.tour = running ? "running" : "idle";
  updateButtons();
}

function updateButtons() {
  $("#tour").disabled = state.status !== "ready" || state.tourRunning;
}

function narrate(n) {
  const box = $("#narration");
  if (!n) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.dataset.done = n.done ? "yes" : "no";
  box.dataset.stopped = n.stopped ? "yes" : "no";
  $(".step", box).textContent = n.of ? `${n.step}/${n.of}` : "";
  $(".text", box).textContent = n.text;
}

function clearChats() {
  state.messages.clear();
  state.keyboards = {};
  for (const list of document.querySelectorAll("ol.messages")) list.replaceChildren();
  renderKeyboard();
  narrate(null);
}

function snapshot(s) {
  state.words = s.words;
  state.language = s.language;
  applyWords();
  for (const input of document.querySelectorAll("form.composer input")) input.maxLength = s.max_text;
  renderLanguages(s.languages);
  state.personas = s.personas;
  state.places = s.places;
  state.commands = s.commands;
  state.keyboards = s.keyboards;
  $("#group-pane .title").textContent = s.group.title;
  renderPersonas();
  buildPicker();
  clearChats();
  state.keyboards = s.keyboards;
  for (const m of s.messages) upsert(m, false);
  if (!state.active) choose(s.personas[0].key);
  else choose(state.active);
  setStatus(s.status);
  setTour(s.tour.running);
  narrate(s.narration);
}

function handle(event) {
  switch (event.type) {
    case "snapshot": snapshot(event.state); break;
    case "message": upsert(event.message); break;
    case "delete": remove(event.chat, event.id); break;
    case "keyboard":
      if (event.rows) state.keyboards[event.chat] = event.rows;
      else delete state.keyboards[event.chat];
      if (event.chat === state.active) renderKeyboard();
      break;
    case "commands": state.commands = event.commands; break;
    case "toast": toast(event.persona, event.text, event.alert); break;
    case "status": setStatus(event); break;
    case "narrate": narrate(event); break;
    case "focus": choose(event.persona); break;
    case "tour": setTour(event.running); break;
    case "reset": clearChats(); break;
    default: break;
  }
}

// -- wiring -----------------------------------------------------------------------------------

function wire() {
  for (const form of document.querySelectorAll("form.composer")) {
    const where = form.dataset.where;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("input", form);
      const text = input.value.trim();
      if (!text || !state.active) return;
      input.value = "";
      hideMenus();
      send(where, text);
    });
    $(".commands", form).addEventListener("click", () => toggleMenu(where));
    $(".location", form).addEventListener("click", () => openPicker(where));
  }
  for (const pane of [$("#group-pane"), $("#private-pane")]) {
    const where = pane.id === "group-pane" ? "group" : "private";
    $(".replying button", pane).addEventListener("click", () => {
      state.replyTo[where] = null;
      showReply(where);
    });
  }
  $("#tour").addEventListener("click", () => api("tour"));
  $("#reset").addEventListener("click", () => {
    $("#tour").disabled = true;
    api("reset");
  });
  $("#narration .close").addEventListener("click", () => narrate(null));
  $("#language").addEventListener("change", (event) => {
    $("#tour").disabled = true;
    api("language", { language: event.target.value });
  });
  const stream = new EventSource("/api/events");
  stream.onmessage = (message) => handle(JSON.parse(message.data));
}

document.addEventListener("DOMContentLoaded", wire);
