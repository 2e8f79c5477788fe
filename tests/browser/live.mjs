// Live timelines: with the page's timers frozen (so its 20-second polling never
// runs), a post made elsewhere still appears on the open home page and the local
// timeline, through the streaming API's events, without a reload. Run by
// tests/browser.rs, which makes ada (who signs in here) and carol (who posts
// through the client API).
import { env, step, check, run, newPage, signIn, post, eventually } from "./lib.mjs";

const A = env("STAFFROOM_A");
const carolToken = env("A_COLLEAGUE_TOKEN");

async function asCarol(text) {
  const res = await fetch(`${A}/api/v1/statuses`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${carolToken}` },
    body: JSON.stringify({ status: text, visibility: "public" }),
  });
  check(res.ok, `carol's post: ${res.status}`);
}

await run(async (browser) => {
  const page = await newPage(browser);
  step("sign in");
  await signIn(page, A, env("A_USER"), env("A_PASSWORD"));
  // From here on the pages' timers run only when told to, which this script never does.
  await page.clock.install();

  for (const [where, url, text] of [
    ["the local timeline", `${A}/public/local`, "Staff meeting moved to the library at 4"],
    ["home (a post mentioning ada)", `${A}/home`, "@ada could you bring the projector to the library?"],
  ]) {
    step(`${where}: open it with its timers frozen`);
    const streamed = page.waitForResponse((r) => r.url().includes("/streaming?"));
    await page.goto(url);
    check((await streamed).status() === 200, "the page's event stream answered");
    await page.evaluate(() => (window.stillTheSamePage = true));
    check((await post(page, text.slice(-20)).count()) === 0, "the post is not there before it is made");

    step(`${where}: carol posts, and it appears without a reload or a poll`);
    await asCarol(text);
    await eventually(`carol's post is on ${where}`, async () => (await post(page, text.slice(-20)).count()) > 0, 15000);
    check(await page.evaluate(() => window.stillTheSamePage === true), "the page was reloaded");
    await page.getByRole("status").filter({ hasText: "new post" }).waitFor({ state: "attached" });
  }
});
