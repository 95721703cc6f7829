/* nexc view: the trajectory viewer. Reads the JSON data block, builds only what is on screen: the run list
   and the selected run's span tree are virtual lists (rows outside the viewport are not in the DOM once a
   list is longer than STATIC_ROWS); a call's messages are built when the call is clicked. Every string from
   the data goes into the DOM as textContent, never as markup. */
(function () {
  "use strict";
  var T0 = performance.now();
  var D = JSON.parse(document.getElementById("nexc-data").textContent);
  var MSGS = D.msgs, RUNS = D.runs;
  var STATIC_ROWS = 400, MAX_TEXT = 20000;
  var state = { run: null, rows: [], sel: null, filter: "" };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "";
    return ms >= 1000 ? (ms / 1000).toFixed(ms >= 10000 ? 0 : 1) + " s" : Math.round(ms) + " ms";
  }
  function fmtTok(n) { return n ? n.toLocaleString("en-US") + " tok" : ""; }
  function json(v) { try { return JSON.stringify(v, null, 1); } catch (e) { return String(v); } }
  function longText(parent, text, cls) {
    var pre = el("pre", cls);
    text = text === null || text === undefined ? "" : String(text);
    if (text.length > MAX_TEXT) {
      pre.textContent = text.slice(0, MAX_TEXT) + "…";
      var b = el("button", "more", "show all " + text.length.toLocaleString("en-US") + " characters");
      b.onclick = function () { pre.textContent = text; b.remove(); };
      parent.appendChild(pre); parent.appendChild(b);
    } else { pre.textContent = text; parent.appendChild(pre); }
    return pre;
  }

  /* A list of fixed-height rows; virtual once it has more than STATIC_ROWS rows. */
  function VList(scroller, height, render) {
    this.scroller = scroller; this.height = height; this.render = render; this.count = 0;
    this.space = el("div", "vspace"); scroller.appendChild(this.space);
    var self = this;
    scroller.addEventListener("scroll", function () { if (self.virtual) self.paint(); });
    window.addEventListener("resize", function () { if (self.virtual) self.paint(); });
  }
  VList.prototype.set = function (count) {
    this.count = count; this.virtual = count > STATIC_ROWS;
    this.space.className = this.virtual ? "vspace" : "vspace static";
    this.space.style.height = this.virtual ? (count * this.height) + "px" : "";
    this.first = -1; this.last = -1; this.paint(true);
  };
  VList.prototype.paint = function (force) {
    var first = 0, last = this.count;
    if (this.virtual) {
      var top = this.scroller.scrollTop, h = this.scroller.clientHeight || 800;
      first = Math.max(0, Math.floor(top / this.height) - 10);
      last = Math.min(this.count, Math.ceil((top + h) / this.height) + 10);
    }
    if (!force && first === this.first && last === this.last) return;
    this.first = first; this.last = last;
    var frag = document.createDocumentFragment();
    for (var i = first; i < last; i++) {
      var row = this.render(i);
      if (this.virtual) row.style.top = (i * this.height) + "px";
      frag.appendChild(row);
    }
    this.space.replaceChildren(frag);
  };
  VList.prototype.show = function (i) {
    if (!this.virtual) return;
    var top = i * this.height, s = this.scroller;
    if (top < s.scrollTop || top > s.scrollTop + s.clientHeight - this.height) s.scrollTop = top - 60;
  };

  /* ---- runs ---- */
  var runList = new VList(document.getElementById("runs"), 44, renderRun);
  var shownRuns = [];
  function runText(r) { return (r.id + " " + r.agents.join(" ") + " " + r.task + " " + r.file).toLowerCase(); }
  function filterRuns() {
    var f = state.filter;
    shownRuns = [];
    for (var i = 0; i < RUNS.length; i++) if (!f || runText(RUNS[i]).indexOf(f) >= 0) shownRuns.push(i);
    document.getElementById("run-count").textContent = shownRuns.length + " of " + RUNS.length + " runs";
    runList.set(shownRuns.length);
  }
  function renderRun(i) {
    var ri = shownRuns[i], r = RUNS[ri];
    var row = el("div", "row run-row" + (ri === state.run ? " sel" : ""));
    row.dataset.run = r.id; row.dataset.index = ri;
    row.appendChild(el("div", "l1", (r.root.n || "run") + " · " + r.calls.length + " calls" +
      (r.errors ? " · " + r.errors + " errors" : "") + (r.div.length || hasDiv(r) ? " · diverged" : "")));
    row.appendChild(el("div", "l2", (r.id ? r.id.slice(0, 12) + " " : "") + fmtTok(r.tokens) + " " + r.task));
    row.title = r.id + "\n" + r.file + "\n" + r.task;
    row.onclick = function () { selectRun(ri); };
    return row;
  }
  function hasDiv(r) { for (var i = 0; i < r.calls.length; i++) if (r.calls[i].div) return true; return false; }

  /* ---- tree ---- */
  var tree = new VList(document.getElementById("tree"), 24, renderNode);
  function flatten(node, depth, out) {
    out.push({ n: node, d: depth });
    if (node.c && node.c.length && !node.closed) for (var i = 0; i < node.c.length; i++) flatten(node.c[i], depth + 1, out);
    return out;
  }
  function selectRun(ri) {
    state.run = ri; state.sel = null;
    var r = RUNS[ri];
    document.getElementById("run-title").textContent = (r.root.n || "run") + (r.id ? " · " + r.id : "");
    state.rows = flatten(r.root, 0, []);
    tree.set(state.rows.length);
    runList.paint(true);
    var body = detailBody();
    body.appendChild(el("p", "muted", "Click an LLM call to see its messages, a tool call to see its arguments and result."));
    if (r.div.length) for (var i = 0; i < r.div.length; i++) divBox(body, { message: r.div[i], diff: [] });
    summary(body, r);
  }
  function renderNode(i) {
    var item = state.rows[i], n = item.n, r = RUNS[state.run];
    var row = el("div", "row node k-row-" + n.k + (state.sel === n ? " sel" : ""));
    row.style.paddingLeft = (6 + item.d * 16) + "px";
    row.dataset.kind = n.k;
    if (n.id) row.dataset.span = n.id;
    if (n.k === "llm") row.dataset.call = n.i;
    var tw = el("span", "twisty", n.c && n.c.length ? (n.closed ? "▸" : "▾") : "");
    tw.onclick = function (ev) { ev.stopPropagation(); n.closed = !n.closed; state.rows = flatten(r.root, 0, []); tree.set(state.rows.length); };
    row.appendChild(tw);
    row.appendChild(el("span", "kind k-" + n.k, n.k));
    row.appendChild(el("span", "name", n.n));
    var extra = n.k === "tool" ? n.a : n.k === "agent" ? (n.path && n.path !== n.n ? n.path : "") :
      n.k === "llm" ? (r.calls[n.i].agent + (r.calls[n.i].fin ? " · " + r.calls[n.i].fin : "")) : "";
    row.appendChild(el("span", "args", extra));
    if (n.err) row.appendChild(el("span", "err", "error"));
    if (n.k === "llm" && r.calls[n.i].div) row.appendChild(el("span", "err", "diverged"));
    row.appendChild(el("span", "nums", [fmtMs(n.ms), fmtTok(n.tk)].filter(Boolean).join(" · ")));
    row.appendChild(timeBar(n, r.root));
    row.title = n.k + " " + n.n + (n.id ? "\nspan " + n.id : "");
    row.onclick = function () { state.sel = n; tree.paint(true); showNode(n); };
    return row;
  }
  function timeBar(n, root) {
    var bar = el("span", "bar");
    if (n.t0 !== null && n.t0 !== undefined && root.t0 !== null && root.t0 !== undefined && root.ms) {
      var i = el("i"), total = root.ms;
      i.style.left = Math.max(0, Math.min(100, (n.t0 - root.t0) * 1000 / total * 100)) + "%";
      i.style.width = Math.max(0.5, Math.min(100, (n.ms || 0) / total * 100)) + "%";
      bar.appendChild(i);
    }
    return bar;
  }

  /* ---- details ---- */
  function detailBody() {
    var b = document.getElementById("detail-body");
    b.replaceChildren(); return b;
  }
  function kv(parent, pairs) {
    var dl = el("dl", "kv");
    for (var i = 0; i < pairs.length; i++) {
      if (pairs[i][1] === null || pairs[i][1] === undefined || pairs[i][1] === "") continue;
      dl.appendChild(el("dt", "", pairs[i][0])); dl.appendChild(el("dd", "mono", pairs[i][1]));
    }
    parent.appendChild(dl);
  }
  function summary(body, r) {
    body.appendChild(el("h2", "", "Run"));
    kv(body, [["trace id", r.id], ["file", r.file], ["agents", r.agents.join(", ")], ["LLM calls", r.calls.length],
      ["tokens", r.tokens], ["duration", fmtMs(r.ms)], ["task", r.task]]);
  }
  function showNode(n) {
    var r = RUNS[state.run], body = detailBody();
    if (n.k === "llm") return showCall(body, r.calls[n.i]);
    if (n.k === "tool") {
      body.appendChild(el("h2", "", "Tool call " + n.n));
      kv(body, [["call id", n.cid], ["duration", fmtMs(n.ms)]]);
      body.appendChild(el("div", "muted", "arguments"));
      var call = r.calls[n.i], reply = call.rp !== null ? MSGS[call.rp] : null;
      var tc = reply && Array.isArray(reply.tool_calls) ? reply.tool_calls[n.ti] : null;
      longText(body, tc && tc.function && typeof tc.function === "object" ? prettyArgs(tc.function.arguments) : n.a);
      if (n.r !== null && n.r !== undefined) { body.appendChild(el("div", "muted", "result")); message(body, MSGS[n.r], -1, false); }
      else body.appendChild(el("p", "muted", n.c.length ? "result: the sub-agent's answer (below in the tree)" :
        "no recorded result (the run ended after this call)"));
      return;
    }
    body.appendChild(el("h2", "", (n.k === "agent" ? "Agent " : "") + n.n));
    kv(body, [["path", n.path], ["span", n.id], ["LLM calls", n.c.filter(function (c) { return c.k === "llm"; }).length],
      ["tokens", n.tk], ["duration", fmtMs(n.ms)]]);
    if (n.k === "run") summary(body, r);
  }
  function prettyArgs(a) {
    if (typeof a === "string") { try { return JSON.stringify(JSON.parse(a), null, 1); } catch (e) { return a; } }
    return json(a);
  }
  function showCall(body, c) {
    body.appendChild(el("h2", "", "LLM call " + (c.it || "") + " of " + c.agent));
    var u = c.usage || {}, tok = function (v) { return typeof v === "number" ? v : "?"; };
    kv(body, [["span", c.id], ["agent path", c.path], ["model", c.model], ["format", c.fmt], ["finish", c.fin],
      ["tokens", u.prompt_tokens !== undefined ? tok(u.prompt_tokens) + " in / " + tok(u.completion_tokens) + " out" : ""],
      ["duration", fmtMs(c.ms)], ["replayed", c.replayed ? "yes" : ""], ["tools", c.tools.join(", ")],
      ["file", c.file]]);
    if (c.err) body.appendChild(el("div", "div err", "error: " + c.err));
    if (c.div) divBox(body, c.div);
    body.appendChild(el("h2", "", "Messages (" + c.m.length + ")"));
    for (var i = 0; i < c.m.length; i++) message(body, MSGS[c.m[i]], i, c.div && c.div.index === i);
    if (c.rp !== null) { body.appendChild(el("h2", "", "Reply")); message(body, MSGS[c.rp], -1, false, true); }
    if (c.raw !== null) {
      body.appendChild(el("h2", "", "Format text (" + c.fmt + ")"));
      longText(body, c.raw, "fmt-text");
    }
    if (c.disc) { body.appendChild(el("h2", "", "Discarded after the last call")); longText(body, c.disc); }
  }
  function divBox(body, d) {
    var box = el("div", "div");
    box.appendChild(el("div", "err", "replay diverged"));
    longText(box, d.message);
    if (d.diff && d.diff.length) {
      box.appendChild(el("div", "muted", "message " + d.index + ": − recorded, + this run"));
      var diff = el("div", "diff");
      for (var i = 0; i < d.diff.length; i++) {
        var op = d.diff[i][0];
        diff.appendChild(el("div", op === "-" ? "d-del" : op === "+" ? "d-ins" : "d-eq", op + " " + d.diff[i][1]));
      }
      box.appendChild(diff);
    }
    body.appendChild(box);
  }
  function message(body, m, i, marked, reply) {
    if (m === null || typeof m !== "object") { longText(body, json(m)); return; }
    var box = el("div", "msg r-" + m.role + (marked ? " marked" : "") + (reply ? " reply" : ""));
    var head = el("div", "head");
    head.appendChild(el("span", "", (i >= 0 ? i + " · " : "") + m.role + (m.name ? " " + m.name : "")));
    if (m.injected) head.appendChild(el("span", "tag", "injected: " + [].concat(m.injected).join(", ")));
    if (m.is_error) head.appendChild(el("span", "tag err", "error"));
    if (m.simulated) head.appendChild(el("span", "tag", "simulated"));
    if (m.tool_call_id) head.appendChild(el("span", "tag", m.tool_call_id));
    box.appendChild(head);
    var content = el("div", "content");
    if (m.reasoning_content) {
      var det = el("details"); det.appendChild(el("summary", "muted", "reasoning"));
      longText(det, m.reasoning_content); content.appendChild(det);
    }
    var text = typeof m.content === "string" ? m.content : m.content === null || m.content === undefined ? "" : json(m.content);
    if (text) longText(content, text);
    var calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
    for (var k = 0; k < calls.length; k++) {
      var tc = calls[k] && typeof calls[k] === "object" ? calls[k] : {};
      var fn = tc.function && typeof tc.function === "object" ? tc.function : {}, cd = el("div", "call");
      cd.appendChild(el("div", "name", "→ " + fn.name + (tc.id ? "  (" + tc.id + ")" : "")));
      longText(cd, prettyArgs(fn.arguments));
      content.appendChild(cd);
    }
    if (m.raw && m.raw !== m.content) {
      var raw = el("details"); raw.appendChild(el("summary", "muted", "as the model wrote it"));
      longText(raw, m.raw); content.appendChild(raw);
    }
    box.appendChild(content);
    body.appendChild(box);
  }

  document.getElementById("filter").addEventListener("input", function (ev) {
    state.filter = ev.target.value.toLowerCase(); filterRuns();
  });
  filterRuns();
  if (RUNS.length) selectRun(0);
  var ms = performance.now() - T0;
  document.body.dataset.renderMs = ms.toFixed(1);
  window.nexcView = { runs: RUNS.length, renderMs: ms, selectRun: selectRun };
})();
