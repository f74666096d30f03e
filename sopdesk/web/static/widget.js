/* sopdesk chat widget: one script tag on a team's site.
 *
 *   <script src="https://desk.example.com/static/widget.js" defer></script>
 *
 * The customer asks the bot first (answers quoted from the help articles, with a link), can
 * reach a person, and then sees the team's replies live: a Server-Sent Events stream
 * (EventSource) where the browser has it, else polled every few seconds. No third-party
 * assets, no inline script or eval (works under a strict CSP: allow the desk's origin in
 * script-src, style-src and connect-src). Text is only ever set with textContent.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var desk = script.getAttribute("data-desk") || new URL(script.src).origin;
  var api = desk + "/api/v1/bot/conversations";
  var storeKey = "sopdesk-chat:" + desk;
  var POLL_MS = 3000;
  var token = null, email = "", timer = null, stream = null, shown = 0;

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = desk + "/static/widget.css";
  document.head.appendChild(css);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  var launcher = el("button", "sdw-launcher", "Help");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  var panel = el("section", "sdw-panel");
  panel.hidden = true;
  panel.setAttribute("aria-label", "Chat with support");
  var header = el("div", "sdw-header", "Ask us anything");
  var close = el("button", "sdw-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Close the chat");
  header.appendChild(close);
  var log = el("ol", "sdw-log");
  log.setAttribute("aria-live", "polite");
  var status = el("p", "sdw-status");
  var contact = el("form", "sdw-contact");
  contact.hidden = true;
  var contactLabel = el("label", null, "Your e-mail, so that our team can answer you");
  var contactInput = el("input");
  contactInput.type = "email";
  contactInput.required = true;
  contactInput.name = "email";
  contactLabel.appendChild(contactInput);
  var contactSend = el("button", null, "Send to the team");
  contactSend.type = "submit";
  contact.appendChild(contactLabel);
  contact.appendChild(contactSend);
  var form = el("form", "sdw-form");
  var input = el("textarea");
  input.name = "text";
  input.rows = 2;
  input.maxLength = 2000;
  input.setAttribute("aria-label", "Your question");
  input.placeholder = "Type your question";
  var send = el("button", null, "Send");
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  var person = el("button", "sdw-person", "Talk to a person");
  person.type = "button";
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(contact);
  panel.appendChild(form);
  panel.appendChild(person);
  var root = el("div", "sdw-root");
  root.appendChild(panel);
  root.appendChild(launcher);
  document.body.appendChild(root);

  function call(method, path, body) {
    var options = { method: method, headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.detail || data.title || "Something went wrong"); }
        return data;
      });
    });
  }

  function feedback(holder, question) {
    var box = el("div", "sdw-feedback");
    box.appendChild(el("span", null, question));
    [["Yes", true], ["No", false]].forEach(function (pair) {
      var button = el("button", null, pair[0]);
      button.type = "button";
      button.addEventListener("click", function () {
        box.remove();
        call("POST", "/" + token + "/feedback", { helpful: pair[1] }).then(render).catch(fail);
      });
      box.appendChild(button);
    });
    holder.appendChild(box);
  }

  function render(view) {
    var messages = view.messages || [];
    for (var i = shown; i < messages.length; i++) {
      var m = messages[i];
      if (m.feedback !== undefined) { continue; }
      var item = el("li", "sdw-msg sdw-" + m.who);
      item.appendChild(el("p", null, m.text));
      if (m.who === "bot" && m.answered && view.reply && view.reply.citations && i === messages.length - 1) {
        view.reply.citations.forEach(function (c) {
          var link = el("a", "sdw-cite", c.title);
          link.href = desk + c.url;
          link.target = "_blank";
          link.rel = "noopener";
          item.appendChild(link);
        });
        if (view.reply.feedback_question && view.state === "bot") { feedback(item, view.reply.feedback_question); }
      }
      log.appendChild(item);
    }
    shown = messages.length;
    log.scrollTop = log.scrollHeight;
    contact.hidden = !view.needs_contact;
    person.hidden = view.state !== "bot";
    status.textContent = view.state === "human" ? "You are chatting with our team."
      : view.state === "handed_off" ? "Our team has your conversation." : "";
    if (view.state !== "bot") { listen(); }
  }

  // The team's replies: the live stream while it works, polling when it cannot (no
  // EventSource, or the stream was refused). root's data-live says which one runs.
  function listen() {
    if (stream || timer) { return; }
    if (!window.EventSource) { startPolling(); return; }
    stream = new EventSource(api + "/" + token + "/events");
    root.setAttribute("data-live", "sse");
    stream.addEventListener("conversation", function (event) {
      try { render(JSON.parse(event.data)); } catch (e) { /* a torn event: the next one */ }
    });
    stream.addEventListener("error", function () {
      // EventSource reconnects by itself after a dropped stream; CLOSED means it gave up.
      if (stream.readyState === EventSource.CLOSED) {
        stream = null;
        startPolling();
      }
    });
  }

  function startPolling() {
    root.setAttribute("data-live", "poll");
    if (!timer) { timer = setInterval(poll, POLL_MS); }
  }

  function fail(error) { status.textContent = error.message; }

  function poll() { call("GET", "/" + token).then(render).catch(fail); }

  function ensure() {
    if (token) { return Promise.resolve(); }
    return call("POST", "", { email: email || null }).then(function (view) {
      token = view.token;
      try { localStorage.setItem(storeKey, token); } catch (e) { /* private mode */ }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    ensure().then(function () {
      return call("POST", "/" + token + "/messages", { text: text });
    }).then(render).catch(fail);
  });
  contact.addEventListener("submit", function (event) {
    event.preventDefault();
    email = contactInput.value.trim();
    call("POST", "/" + token + "/handoff", { email: email }).then(render).catch(fail);
  });
  person.addEventListener("click", function () {
    ensure().then(function () {
      return call("POST", "/" + token + "/handoff", email ? { email: email } : {});
    }).then(render).catch(function () { contact.hidden = false; });
  });
  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { input.focus(); }
  }
  launcher.addEventListener("click", function () { toggle(panel.hidden); });
  close.addEventListener("click", function () { toggle(false); });

  try { token = localStorage.getItem(storeKey); } catch (e) { token = null; }
  if (token) {
    call("GET", "/" + token).then(render).catch(function () {
      token = null;
      try { localStorage.removeItem(storeKey); } catch (e) { /* private mode */ }
    });
  }
})();
