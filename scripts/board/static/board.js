// skate-ledger board: applies server-sent boards in place, replays a day, shows times in the
// viewer's zone too. Plain JavaScript, no build; the pages work without it.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("announce");
    if (region && text) { region.textContent = text; }
  }

  function localTimes(root) {
    (root || document).querySelectorAll("time[data-local]").forEach(function (el) {
      if (el.querySelector(".viewer")) { return; }
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) { return; }
      var span = document.createElement("span");
      span.className = "viewer";
      // the viewer's own clock, said as such ("15:00:00 your time"), not a second venue time
      var shown = when.toLocaleTimeString(document.documentElement.lang || undefined);
      var words = document.body.getAttribute("data-viewer-time") || "%(time)s";
      span.textContent = " (" + words.replace("%(time)s", shown) + ")";
      el.appendChild(span);
    });
  }

  // A recorded moment in the venue's zone, to the second, the zone named ("15:02:07 CET").
  function venueTime(iso, zone) {
    var when = new Date(iso);
    if (isNaN(when)) { return iso; }
    try {
      return when.toLocaleString(document.documentElement.lang || undefined, {
        timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZoneName: "short" });
    } catch (e) { return iso; }
  }

  // Replace the live fragment, keeping the reader's scroll position.
  function apply(container, html, position) {
    var x = window.scrollX, y = window.scrollY;
    if (html !== null) {
      // boardrink: the start lists the reader opened (<details id=...>) stay open over an update.
      var opened = Array.prototype.map.call(container.querySelectorAll("details[id][open]"),
        function (el) { return el.id; });
      container.innerHTML = html;
      opened.forEach(function (id) { var el = document.getElementById(id); if (el) { el.open = true; } });
    }
    shown(container, position);
    localTimes(container);
    window.scrollTo(x, y);
  }

  function shown(container, position) {
    container.setAttribute("data-position", String(position));
    document.querySelectorAll("[data-field=position]").forEach(function (el) {
      el.textContent = String(position);
    });
  }

  function fromHtml(html) {
    var t = document.createElement("template");
    t.innerHTML = html;
    return t.content.firstElementChild;
  }

  // The edits of a patch (scripts/board/wire.py), applied in place; false: the page does not
  // hold the board they start from (it then reads the whole board again).
  function patch(container, edits) {
    var x = window.scrollX, y = window.scrollY;
    for (var i = 0; i < edits.length; i++) {
      var op = edits[i], el = container;
      for (var j = 0; j < op[1].length && el; j++) { el = el.children[op[1][j]]; }
      if (!el || (op[1].length && el.tagName.toLowerCase() !== op[2])) { return false; }
      if (op[0] === "a") {
        Object.keys(op[3]).forEach(function (name) {
          if (op[3][name] === null) { el.removeAttribute(name); } else { el.setAttribute(name, op[3][name]); }
        });
      } else if (op[0] === "h") {
        var made = fromHtml(op[3]);
        if (!made) { return false; }
        el.replaceWith(made);
        localTimes(made.parentNode || container);
      } else if (op[0] === "c") {
        var old = Array.prototype.slice.call(el.children), kids = [];
        for (var k = 0; k < op[3].length; k++) {
          var kid = typeof op[3][k] === "number" ? old[op[3][k]] : fromHtml(op[3][k]);
          if (!kid) { return false; }
          kids.push(kid);
        }
        el.replaceChildren.apply(el, kids);
        localTimes(el);
      } else { return false; }
    }
    window.scrollTo(x, y);
    return true;
  }

  // The badge: "live" while the stream is open, "offline" while it is not (words from the page).
  function badge(status, open) {
    if (!status) { return; }
    var was = status.getAttribute("data-state");
    var state = open ? "live" : "offline";
    status.textContent = status.getAttribute("data-" + state) || state;
    status.setAttribute("data-state", state);
    status.classList.toggle("live", open);
    status.classList.toggle("offline", !open);
    if (was && was !== state) { announce(status.getAttribute("data-" + state + "-said")); }
  }

  function follow(container) {
    var url = container.getAttribute("data-events");
    if (!url || !window.EventSource) { return; }
    var status = document.getElementById("live-tag");
    var source = null;
    function open(from) {
      source = new EventSource(from);
      source.onopen = function () { badge(status, true); };
      source.onerror = function () { if (source.readyState !== 1) { badge(status, false); } };
      source.addEventListener("snapshot", onBoard);
      source.addEventListener("board", onBoard);
      source.addEventListener("patch", onPatch);
      window.skateLedgerSource = source;  // for tests and the curious
    }
    function done(event, data) {
      container.setAttribute("data-last-event-id", event.lastEventId);
      if (event.type !== "snapshot") { announce(data.summary); }
      badge(status, true);
      document.dispatchEvent(new CustomEvent("board:update", { detail: data }));
    }
    function onBoard(event) {
      var data = JSON.parse(event.data);
      apply(container, data.current ? null : data.html, data.position);
      done(event, data);
    }
    function onPatch(event) {
      var data = JSON.parse(event.data);
      var held = Number(container.getAttribute("data-position"));
      if (!(data.base <= held) || !patch(container, data.edits)) {
        // not the board the patch starts from: read the whole board again
        source.close();
        open(url.replace(/([?&])after=\d+&?/, "$1").replace(/[?&]$/, ""));
        return;
      }
      shown(container, data.position);
      done(event, data);
    }
    open(url);
  }

  // ?delay= boards follow live by refetching the fragment (ETag: unchanged boards cost a 304).
  function refresh(container) {
    var url = container.getAttribute("data-refresh");
    if (!url) { return; }
    var etag = null;
    setInterval(function () {
      fetch(url, { headers: etag ? { "If-None-Match": etag } : {} }).then(function (r) {
        if (r.status !== 200) { return null; }
        etag = r.headers.get("ETag");
        return r.text();
      }).then(function (html) {
        if (typeof html === "string") { apply(container, html, (etag || "").replace(/"/g, "")); }
      }).catch(function () {});
    }, 1000);
  }

  function replay(form) {
    var all = JSON.parse(document.getElementById("replay-steps").textContent);
    var slider = document.getElementById("replay-slider");
    var kind = document.getElementById("replay-step");
    var speed = document.getElementById("replay-speed");
    var play = document.getElementById("replay-play");
    var frame = document.getElementById("frame");
    var slug = form.getAttribute("data-slug");
    var steps = [], timer = null;
    var shown = Number(frame.getAttribute("data-position"));

    function choose() {
      steps = kind.value === "pair" ? all.filter(function (s) { return s.ends_pair; }) : all.slice();
      if (!steps.length) { steps = all.slice(); }
      slider.max = String(steps.length - 1);
      var i = steps.findIndex(function (s) { return s.position > shown; });
      slider.value = String(i === -1 ? steps.length - 1 : Math.max(0, i - 1));
    }

    function show(index) {
      var step = steps[index];
      if (!step) { return; }
      shown = step.position;
      slider.value = String(index);
      slider.setAttribute("aria-valuetext", step.label);
      document.getElementById("replay-label").textContent = step.label;
      var t = document.getElementById("replay-time");
      t.setAttribute("datetime", step.recorded_at);
      t.textContent = venueTime(step.recorded_at, t.getAttribute("data-zone"));
      localTimes(t.parentNode);
      var query = "?position=" + step.position + "&step=" + kind.value + "&race=" + encodeURIComponent(step.race);
      history.replaceState(null, "", location.pathname + query);
      fetch("/competitions/" + encodeURIComponent(slug) + "/replay/frame" + query).then(function (r) {
        return r.text();
      }).then(function (html) {
        // a later step was asked for since (keys pressed fast): an older answer arriving late
        // must not replace its frame
        if (step.position !== shown) { return; }
        apply(frame, html, step.position);
        frame.setAttribute("data-race", step.race);
        announce(step.label);
      });
    }

    function stop() {
      if (timer) { clearTimeout(timer); timer = null; }
      play.textContent = play.getAttribute("data-play") || "▶ Play";
      play.setAttribute("aria-label", play.getAttribute("data-play-label") || "Play");
    }

    function tick() {
      var i = Number(slider.value);
      if (i >= steps.length - 1) { stop(); return; }
      var gap = Date.parse(steps[i + 1].recorded_at) - Date.parse(steps[i].recorded_at);
      // the recorded gap at the chosen speed, kept between 50 ms and 5 s so a day stays watchable
      var wait = Math.min(5000, Math.max(50, gap / Number(speed.value)));
      timer = setTimeout(function () { show(i + 1); tick(); }, wait);
    }

    play.addEventListener("click", function () {
      if (timer) { stop(); return; }
      play.textContent = play.getAttribute("data-pause") || "❚❚ Pause";
      play.setAttribute("aria-label", play.getAttribute("data-pause-label") || "Pause");
      tick();
    });
    slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
    kind.addEventListener("change", function () { choose(); show(Number(slider.value)); });
    document.getElementById("replay-prev").addEventListener("click", function () {
      stop(); show(Math.max(0, Number(slider.value) - 1));
    });
    document.getElementById("replay-next").addEventListener("click", function () {
      stop(); show(Math.min(steps.length - 1, Number(slider.value) + 1));
    });
    choose();
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    var live = document.getElementById("live");
    if (live) { follow(live); refresh(live); }
    var form = document.getElementById("replay");
    if (form) { replay(form); }
  });
})();
