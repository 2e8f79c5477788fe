// Staffroom's one script, served from the binary at /assets/staffroom.js. Every
// page works without it; it only adds, where the page asks for it with data-*
// attributes: a character counter under the compose form, suggestions for
// mentions, new posts on the timelines and new answers on a chat's live page without a reload. All words come from the page (the server's
// translation catalogue), none from here.
"use strict";

(function () {
  // The counter counts characters as the server does (Unicode code points), so
  // what it says is left is what will be accepted.
  for (const area of document.querySelectorAll("textarea[data-counter]")) {
    const out = document.getElementById(area.dataset.counter);
    const max = Number(area.dataset.max);
    if (!out || !max) continue;
    const update = () => {
      const left = max - Array.from(area.value).length;
      out.textContent = out.dataset.template.replace("{count}", String(left));
      out.classList.toggle("over", left < 0);
    };
    area.addEventListener("input", update);
    update();
    out.hidden = false;
  }

  // Mentions and hashtags: after "@" (or "#") and two characters, the server
  // suggests accounts (or hashtags in use here) in the
  // list the text area names (aria-controls). Arrow keys move through them (the
  // text area keeps the focus and points at the option, aria-activedescendant);
  // Enter or Tab takes the chosen one, Escape closes the list. Until an option is
  // chosen with the arrows, every key does what it always does.
  for (const area of document.querySelectorAll("textarea[data-mentions]")) {
    const list = document.getElementById(area.getAttribute("aria-controls"));
    if (!list) continue;
    let active = -1;
    let timer = 0;
    const options = () => list.querySelectorAll("[role=option]");
    const close = () => {
      list.hidden = true;
      list.replaceChildren();
      active = -1;
      area.removeAttribute("aria-activedescendant");
    };
    // The "@word" or "#word" that ends at the caret, if any.
    const typed = () => {
      const before = area.value.slice(0, area.selectionStart);
      const m = /(?:^|\s)([@#])([\p{L}\p{N}_.:@-]{2,80})$/u.exec(before);
      if (!m || (m[1] === "#" && !area.dataset.hashtags)) return null;
      return { start: before.length - m[2].length - 1, text: m[2], hashtag: m[1] === "#" };
    };
    const mark = (i) => {
      const all = options();
      active = i;
      all.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
      area.setAttribute("aria-activedescendant", all[i].id);
    };
    const choose = (option) => {
      const t = typed();
      if (t) area.setRangeText(option.dataset.value + " ", t.start, area.selectionStart, "end");
      close();
      area.focus();
      area.dispatchEvent(new Event("input"));
    };
    area.addEventListener("input", () => {
      clearTimeout(timer);
      const t = typed();
      if (!t) return close();
      timer = setTimeout(async () => {
        try {
          const url = new URL(t.hashtag ? area.dataset.hashtags : area.dataset.mentions, location.href);
          url.searchParams.set("q", t.text);
          const res = await fetch(url, { credentials: "same-origin", redirect: "error", headers: { Accept: "text/html" } });
          if (!res.ok) return;
          const fragment = document.createElement("template");
          fragment.innerHTML = await res.text();
          // Typed on meanwhile, or left the field: this answer is out of date.
          const now = typed();
          if (document.activeElement !== area || !now || now.text !== t.text || now.hashtag !== t.hashtag) return;
          close();
          list.append(fragment.content);
          list.hidden = options().length === 0;
        } catch (_) {
          // No suggestions this time; typing goes on as ever.
        }
      }, 250);
    });
    area.addEventListener("keydown", (e) => {
      const all = options();
      if (list.hidden || all.length === 0) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        mark((active + (e.key === "ArrowDown" ? 1 : all.length - 1)) % all.length);
      } else if ((e.key === "Enter" || e.key === "Tab") && active >= 0) {
        e.preventDefault();
        choose(all[active]);
      } else if (e.key === "Escape") {
        e.preventDefault();
        close();
      }
    });
    // mousedown, not click: the text area keeps its focus and caret.
    list.addEventListener("mousedown", (e) => {
      const option = e.target.closest("[role=option]");
      if (!option) return;
      e.preventDefault();
      choose(option);
    });
    area.addEventListener("blur", close);
  }

  // A chat's live page: the server renders its questions with their answers; when
  // the chat's hashtag stream tells of a new post, and every few seconds anyway
  // (answers that reply without the tag are not on that stream), the script asks
  // for them again and puts them in place, saying so when answers were added.
  const chat = document.querySelector("[data-chat]");
  if (chat) {
    const said = document.getElementById(chat.dataset.status);
    const every = Number(chat.dataset.every) || 5000;
    let asking = false;
    const answers = () => chat.querySelectorAll(".answers > li").length;
    const refresh = async () => {
      if (document.hidden || asking) return;
      asking = true;
      try {
        const res = await fetch(new URL(chat.dataset.chat, location.href), { credentials: "same-origin", redirect: "error", headers: { Accept: "text/html" } });
        if (!res.ok) return;
        const html = await res.text();
        const before = answers();
        const fragment = document.createElement("template");
        fragment.innerHTML = html;
        // Keep what the reader is typing or has focused: replace only when it changed.
        if (fragment.innerHTML === chat.innerHTML) return;
        chat.replaceChildren(fragment.content);
        const added = answers() - before;
        if (said && added > 0) said.textContent = said.dataset.template;
      } catch (_) {
        // Offline or the server restarting: the next round tries again.
      } finally {
        asking = false;
      }
    };
    setInterval(refresh, every);
    document.addEventListener("visibilitychange", refresh);
    if (chat.dataset.stream && window.EventSource) {
      const events = new EventSource(new URL(chat.dataset.stream, location.href), { withCredentials: true });
      events.addEventListener("update", refresh);
    }
  }

  // New posts (home, local, federated, a hashtag): ask the server for the posts
  // newer than the first one shown, as a fragment of the same HTML the page has,
  // and put them on top.
  const timeline = document.querySelector("[data-newer]");
  if (!timeline) return;
  const status = document.getElementById(timeline.dataset.status);
  const every = Number(timeline.dataset.every) || 20000;
  let busy = false;
  let again = false;
  const poll = async () => {
    if (document.hidden) return;
    // A post streamed while a fetch is under way is asked for right after it.
    if (busy) { again = true; return; }
    busy = true;
    try {
      const first = timeline.querySelector("article[id^='s-']");
      const since = first ? first.id.slice(2) : "";
      const url = new URL(timeline.dataset.newer, location.href);
      if (since) url.searchParams.set("since_id", since);
      // A redirect means the session ended: stop rather than insert the sign-in page.
      const res = await fetch(url, { credentials: "same-origin", redirect: "error", headers: { Accept: "text/html" } });
      if (!res.ok) return;
      const fragment = document.createElement("template");
      fragment.innerHTML = await res.text();
      const count = fragment.content.querySelectorAll("article").length;
      if (count === 0) return;
      const empty = timeline.querySelector(".empty");
      if (empty) empty.remove();
      timeline.prepend(fragment.content);
      if (status) status.textContent = status.dataset.template.replace("{count}", String(count));
    } catch (_) {
      // Offline or the server restarting: the next round tries again.
    } finally {
      busy = false;
      if (again) { again = false; poll(); }
    }
  };
  setInterval(poll, every);
  document.addEventListener("visibilitychange", poll);
  // Live: the streaming API's events for this timeline (with the session's cookie)
  // say when there is something new; the server renders it as it renders the page.
  // Without EventSource, or while the stream is down (it reconnects by itself),
  // the polling above still brings new posts.
  if (timeline.dataset.stream && window.EventSource) {
    const events = new EventSource(new URL(timeline.dataset.stream, location.href), { withCredentials: true });
    events.addEventListener("update", poll);
  }
})();
