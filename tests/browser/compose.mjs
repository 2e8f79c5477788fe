// Writing and reading on /home in Chromium, by the controls' accessible names: a
// followers-only post behind a content warning from the compose form (as the API
// and a stranger see it), the character counter, mention suggestions, a thread's
// ancestors and replies in order, and "Load more" paging as the API does. Run by
// tests/browser.rs with ada (who signs in and has a token) following carol (who
// posts through the client API).
import { env, step, check, call, run, newPage, noProblems, signIn, compose, post, eventually } from "./lib.mjs";

const A = env("STAFFROOM_A");
const user = env("A_USER");
const token = env("A_TOKEN");
const carolToken = env("A_COLLEAGUE_TOKEN");

const asAda = (method, path, body) => call(method, `${A}${path}`, body, token);
const asCarol = (method, path, body) => call(method, `${A}${path}`, body, carolToken);

/** The status ids of the posts shown on the page, top to bottom. */
const shownIds = (page) => page.locator("main article").evaluateAll((all) => all.map((a) => a.id.replace(/^s-/, "")));

/** A home timeline page through the API: its ids and its `Link: rel="next"` max_id. */
async function apiHome(query = "") {
  const res = await fetch(`${A}/api/v1/timelines/home${query}`, { headers: { authorization: `Bearer ${token}` } });
  check(res.ok, `GET /api/v1/timelines/home${query}: ${res.status}`);
  const link = res.headers.get("link") || "";
  const next = /<([^>]+)>;\s*rel="next"/.exec(link);
  const statuses = await res.json();
  return {
    ids: statuses.map((s) => s.id),
    texts: statuses.map((s) => s.content),
    nextMaxId: next ? new URL(next[1]).searchParams.get("max_id") : null,
  };
}

await run(async (browser) => {
  const page = await newPage(browser);
  step("sign in");
  await signIn(page, A, user, env("A_PASSWORD"));

  step("a followers-only post with a content warning from the compose form shows behind its warning on home");
  const secret = "Mock exam marks are in: the class average went up by a grade.";
  await compose(page, secret, { contentWarning: "Exam results", visibility: "Followers only" });
  await page.waitForURL(`${A}/home`);
  const warned = post(page, "Exam results");
  await warned.waitFor();
  check(!(await warned.getByText(secret).isVisible()), "the post's text shows before its warning is opened");
  await warned.getByText("Exam results", { exact: true }).click();
  await warned.getByText(secret).waitFor({ state: "visible" });

  step("the API has the post's warning and its visibility, private");
  const warnedId = (await warned.getAttribute("id")).replace(/^s-/, "");
  const entity = await asAda("GET", `/api/v1/statuses/${warnedId}`);
  check(entity.spoiler_text === "Exam results", `spoiler_text: ${JSON.stringify(entity.spoiler_text)}`);
  check(entity.visibility === "private", `visibility: ${entity.visibility}`);

  step("a public post from the form, beside it");
  const open = "Open evening on Thursday: come and see the science labs.";
  await compose(page, open, { visibility: "Public" });
  await page.waitForURL(`${A}/home`);
  await post(page, open).waitFor();

  step("a stranger sees the public post on the profile, not the followers-only one");
  const stranger = await newPage(browser);
  await stranger.goto(`${A}/@${user}`);
  await post(stranger, open).waitFor();
  check((await post(stranger, "Exam results").count()) === 0, "the followers-only post is on the public profile");
  check((await stranger.getByText(secret).count()) === 0, "the followers-only text is on the public profile");
  const direct = await stranger.goto(`${A}/@${user}/${warnedId}`);
  check(direct.status() === 404, `the followers-only post's page answered a stranger ${direct.status()}`);
  const shown = await stranger.goto(`${A}/@${user}/${(await post(page, open).getAttribute("id")).replace(/^s-/, "")}`);
  check(shown.status() === 200, `the public post's page answered a stranger ${shown.status()}`);
  noProblems(stranger);
  await stranger.context().close();

  step("the character counter says what is left and flags going over");
  const text = page.getByLabel("Post text");
  const counter = page.getByText(/characters left$/);
  await text.fill("Hello, 9C!");
  await eventually("the counter says 4990 characters left", async () => (await counter.textContent()) === "4990 characters left", 5000);
  check(!(await counter.evaluate((e) => e.classList.contains("over"))), "flagged as too long at 10 characters");
  await text.fill("x".repeat(5001));
  await eventually("the counter says -1 characters left", async () => (await counter.textContent()) === "-1 characters left", 5000);
  check(await counter.evaluate((e) => e.classList.contains("over")), "not flagged as too long at 5001 characters");
  const colour = await counter.evaluate((e) => getComputedStyle(e).color);
  check(colour === "rgb(170, 17, 17)", `an over-long count is not shown in red: ${colour}`);
  await text.fill("x".repeat(5000));
  await eventually("the counter says 0 characters left, no longer flagged", async () =>
    (await counter.textContent()) === "0 characters left" && !(await counter.evaluate((e) => e.classList.contains("over"))), 5000);
  await text.fill("");

  step('typing "@ca" suggests carol; the arrow keys and Enter write her handle');
  const suggestions = page.getByRole("listbox", { name: "People to mention" });
  await text.pressSequentially("Thanks @ca");
  const carol = suggestions.getByRole("option", { name: /@carol/ });
  await carol.waitFor();
  await page.keyboard.press("ArrowDown");
  check((await carol.getAttribute("aria-selected")) === "true", "ArrowDown did not mark carol");
  await page.keyboard.press("Enter");
  await eventually("the handle is in the text", async () => (await text.inputValue()) === "Thanks @carol ", 5000);
  check(await suggestions.isHidden(), "the suggestions stay open after choosing");

  step("choosing the suggestion with the mouse does the same");
  await text.pressSequentially("and @ca");
  await carol.click();
  await eventually("the second handle is in the text", async () => (await text.inputValue()) === "Thanks @carol and @carol ", 5000);
  await text.fill("");

  step("a reply's thread page shows its ancestors above it, in order, and its replies below");
  const root = await asCarol("POST", "/api/v1/statuses", { status: "Who uses mini whiteboards every lesson?" });
  const first = await asAda("POST", "/api/v1/statuses", { status: "@carol Every lesson, for hinge questions.", in_reply_to_id: root.id });
  const second = await asCarol("POST", "/api/v1/statuses", { status: "@ada Do you check every board?", in_reply_to_id: first.id });
  const below = await asAda("POST", "/api/v1/statuses", { status: "@carol A quick scan is enough.", in_reply_to_id: second.id });
  await page.goto(`${A}/statuses/${second.id}`);
  await page.getByRole("heading", { name: "Thread" }).waitFor();
  const order = await shownIds(page);
  check(JSON.stringify(order) === JSON.stringify([root.id, first.id, second.id, below.id]),
    `the thread shows ${order}, not root ${root.id}, ${first.id}, ${second.id}, reply ${below.id}`);
  const formBetween = await page.evaluate(([post, reply]) => {
    const form = document.getElementById("compose");
    const before = (a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
    return before(document.getElementById(`s-${post}`), form) && before(form, document.getElementById(`s-${reply}`));
  }, [second.id, below.id]);
  check(formBetween, "the reply form is not between the post and its replies");
  check((await page.getByLabel("Post text").inputValue()) === "@carol ", "the reply form does not start with @carol");

  step("with more posts than a page, home's first page matches the API's and its Load more pages as the API's Link");
  for (let n = 1; n <= 25; n++) await asCarol("POST", "/api/v1/statuses", { status: `Lesson idea ${n}` });
  const apiFirst = await apiHome();
  await page.goto(`${A}/home`);
  const pageFirst = await shownIds(page);
  check(JSON.stringify(pageFirst) === JSON.stringify(apiFirst.ids), `home shows ${pageFirst}, the API ${apiFirst.ids}`);
  check(apiFirst.nextMaxId, "the API's first page has no Link next");
  await page.getByText("Lesson idea 25", { exact: true }).waitFor();
  check((await page.getByText("Lesson idea 5", { exact: true }).count()) === 0, "an older post is on the first page");
  const more = page.getByRole("link", { name: "Load more" });
  const href = new URL(await more.getAttribute("href"), A);
  check(href.pathname === "/home" && href.searchParams.get("max_id") === apiFirst.nextMaxId,
    `Load more goes to ${href}, the API's next page has max_id=${apiFirst.nextMaxId}`);

  step("Load more shows the next older posts, no gap, no duplicate");
  await more.click();
  await page.waitForURL(/\/home\?max_id=/);
  const pageSecond = await shownIds(page);
  const apiSecond = await apiHome(`?max_id=${apiFirst.nextMaxId}`);
  check(JSON.stringify(pageSecond) === JSON.stringify(apiSecond.ids), `the second page shows ${pageSecond}, the API ${apiSecond.ids}`);
  const both = [...pageFirst, ...pageSecond];
  check(new Set(both).size === both.length, `a post is on both pages: ${both}`);
  // The pages show what the API answers (checked above), so the API's texts say which posts they are.
  const ideas = [...apiFirst.texts, ...apiSecond.texts].flatMap((t) => {
    const m = /Lesson idea (\d+)</.exec(t);
    return m ? [Number(m[1])] : [];
  });
  const expected = Array.from({ length: 25 }, (_, i) => 25 - i);
  check(JSON.stringify(ideas) === JSON.stringify(expected), `the two pages hold lesson ideas ${ideas}, not 25 down to 1`);
  await page.getByText("Lesson idea 1", { exact: true }).waitFor();
  await post(page, "Who uses mini whiteboards").waitFor();

  noProblems(page);
});
