// Staffroom's one script, served from the binary at /assets/staffroom.js. Every
// page works without it; it only adds, where the page asks for it with data-*
// attributes: a character counter under the compose form, and new posts on the
// timelines without a reload. All words come from the page (the server's
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

  // New posts (home, local, federated, a hashtag): ask the server for the posts
  // newer than the first one shown, as a fragment of the same HTML the page has,
  // and put them on top.
  const timeline = document.querySelector("[data-newer]");
  if (!timeline) return;
  const status = document.getElementById(timeline.dataset.status);
  const every = Number(timeline.dataset.every) || 20000;
  let busy = false;
  const poll = async () => {
    if (busy || document.hidden) return;
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
    }
  };
  setInterval(poll, every);
  document.addEventListener("visibilitychange", poll);
})();
