// A hashtag chat, live: ada schedules one with the "Schedule a chat" form (it began
// a minute ago), the Fedify peer gets its Event, she asks Q1 and Q2 with the compose
// form, and answers from bob on a second Staffroom (a reply to Q1) and from the
// Fedify peer's teacher (a reply to Q2) appear under the right question on the open
// chat page without a reload; then the transcript page, and the host changes and
// cancels the chat. Run by tests/browser.rs, which has bob follow ada and the peer
// follow her first.
import { env, step, check, call, run, newPage, signIn, compose, eventually, axeViolations, noProblems, artifactsDir } from "./lib.mjs";

const A = env("STAFFROOM_A");
const B = env("STAFFROOM_B");
const bToken = env("B_TOKEN");
const PEER = env("PEER");

/** The public post on A's #edchat beginning with `start` (its uri), once it is there. */
async function question(start) {
  return eventually(`${start} is on A's #edchat`, async () => {
    const list = await call("GET", `${A}/api/v1/timelines/tag/edchat`);
    return list.find((s) => s.content.includes(start))?.uri;
  });
}

await run(async (browser) => {
  const page = await newPage(browser);
  step("sign in");
  await signIn(page, A, env("A_USER"), env("A_PASSWORD"));

  step("schedule a chat with the form");
  await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Chats" }).click();
  await page.getByRole("heading", { name: "Schedule a chat" }).waitFor();
  await page.getByLabel("Title").fill("Edchat: why we teach");
  await page.getByLabel("Hashtag").fill("#edchat");
  await page.getByLabel("Description").fill("An hour on what brought us here.");
  await page.getByLabel("Start (date and time in the chat's time zone)").fill(env("CHAT_START"));
  await page.getByLabel("Time zone (IANA name, such as Europe/Berlin)").fill("Europe/Berlin");
  await page.getByLabel("Duration in minutes").fill("60");
  await page.getByLabel(/^Repeats/).fill("FREQ=WEEKLY;COUNT=10");
  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  await page.waitForURL(/\/chats\/\d+$/);
  const chatUrl = page.url();
  await page.getByText("Live now:").waitFor();

  step("a bad rule is refused with why, and the form keeps what was typed");
  const other = await newPage(browser);
  await signIn(other, A, env("A_USER"), env("A_PASSWORD"));
  await other.goto(`${A}/chats`);
  await other.getByLabel("Title").fill("Broken");
  await other.getByLabel("Hashtag").fill("edchat");
  await other.getByLabel("Start (date and time in the chat's time zone)").fill(env("CHAT_START"));
  await other.getByLabel(/^Repeats/).fill("FREQ=SOMETIMES");
  await other.getByRole("button", { name: "Schedule", exact: true }).click();
  await other.getByRole("alert").filter({ hasText: "RFC 5545" }).waitFor();
  check((await other.getByLabel("Title").inputValue()) === "Broken", "the title was kept");
  await other.context().close();

  step("the Fedify peer received the chat as an Event");
  await eventually("the peer has the Create{Event}", async () => {
    const list = await call("GET", `${PEER}/_control/received?type=Create`);
    return list.some((e) => e.json?.object?.type === "Event" && e.json.object.id === chatUrl);
  });

  step("ada asks Q1 and Q2 with the compose form");
  await page.goto(`${A}/home`);
  await compose(page, "Q1 What got you into teaching? #edchat");
  await page.waitForURL(`${A}/home`);
  await compose(page, "Q2: What would make this year easier? #edchat");
  await page.waitForURL(`${A}/home`);
  const q1 = await question("Q1 What got you into teaching");
  const q2 = await question("Q2: What would make this year easier");

  step("the chat page shows both questions, live");
  await page.goto(chatUrl);
  const first = page.getByRole("region", { name: "Question 1" });
  const second = page.getByRole("region", { name: "Question 2" });
  await first.getByText("What got you into teaching").waitFor();
  await second.getByText("What would make this year easier").waitFor();
  await page.evaluate(() => (window.stillTheSamePage = true));

  step("bob answers Q1 from his server, the peer's teacher answers Q2");
  const found = await eventually("bob's server has Q1", async () => {
    const res = await call("GET", `${B}/api/v2/search?q=${encodeURIComponent(q1)}&resolve=true`, null, bToken);
    return res.statuses[0];
  });
  await call("POST", `${B}/api/v1/statuses`, { status: "Curiosity about how children learn", in_reply_to_id: found.id, visibility: "public" }, bToken);
  await call("POST", `${PEER}/_control/post`, { content: "<p>More time to plan together</p>", inReplyTo: q2 });

  step("the answers appear under their questions without a reload");
  await first.getByRole("list", { name: "Answers to question 1" }).getByText("Curiosity about how children learn").waitFor({ timeout: 30000 });
  await second.getByRole("list", { name: "Answers to question 2" }).getByText("More time to plan together").waitFor({ timeout: 30000 });
  check(await page.evaluate(() => window.stillTheSamePage === true), "the page was reloaded");
  check((await first.getByText("More time to plan together").count()) === 0, "the Q2 answer is not under Q1");
  await page.getByRole("status").filter({ hasText: "New answers arrived." }).waitFor({ state: "attached" });

  step("the chat page has no serious accessibility problem");
  const violations = await axeViolations(page);
  check(violations.serious.length === 0, violations.serious.join("\n"));
  await page.screenshot({ path: `${artifactsDir()}/chat-live.png`, fullPage: true });

  step("the transcript page groups the same answers and says who took part");
  await page.goto(`${chatUrl}/transcripts/${env("CHAT_KEY")}`);
  await page.getByRole("region", { name: "Question 1" }).getByText("Curiosity about how children learn").waitFor();
  await page.getByRole("region", { name: "Question 2" }).getByText("More time to plan together").waitFor();
  const people = page.locator("ul.people");
  for (const who of ["@bob@", "@mira@"]) {
    check((await people.getByText(who).count()) > 0, `${who} is among those who took part`);
  }

  step("ada changes the chat's title, then cancels it; the transcript stays");
  await page.goto(chatUrl);
  await page.getByRole("link", { name: "Change this chat" }).click();
  await page.getByLabel("Title").fill("Edchat: why we still teach");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(chatUrl);
  await page.getByRole("heading", { name: "Edchat: why we still teach" }).waitFor();
  await page.getByRole("button", { name: "Cancel this chat" }).click();
  await page.waitForURL(chatUrl);
  await page.getByText("This chat was cancelled.").waitFor();
  check((await page.getByRole("button", { name: "Cancel this chat" }).count()) === 0, "a cancelled chat offers no cancel");
  await page.goto(`${chatUrl}/transcripts/${env("CHAT_KEY")}`);
  await page.getByRole("region", { name: "Question 2" }).getByText("More time to plan together").waitFor();
  noProblems(page);
});
