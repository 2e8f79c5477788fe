// A teacher's day in Chromium, by the controls' accessible names: sign in, post with
// a hashtag and find it on home and on the tag page, find a teacher on a second
// Staffroom and one on a Fedify server and follow both, see their posts arrive
// without a reload, reply, like and boost, edit and delete one's own post, read a
// reply from the other server in the notifications, sign out. Run by
// tests/browser.rs, which starts the servers and makes the teachers; the other
// teachers act through their servers' own interfaces (B's client API, the Fedify
// peer's control routes).
import { env, step, check, call, run, newPage, noProblems, signIn, compose, post, eventually } from "./lib.mjs";

const A = env("STAFFROOM_A");
const user = env("A_USER");
const password = env("A_PASSWORD");
const B = env("STAFFROOM_B");
const bUser = env("B_USER");
const bToken = env("B_TOKEN");
const bHandle = `@${bUser}@${new URL(B).host}`;
const PEER = env("PEER");
const peerHandle = `@${env("PEER_USER")}@${new URL(PEER).host}`;

/** What bob on B does, through B's client API. */
const asBob = (method, path, body) => call(method, `${B}${path}`, body, bToken);
/** What the Fedify peer's teacher does, through its control routes. */
const asPeer = (route, body) => call("POST", `${PEER}/_control/${route}`, body);

/** Bob's notifications on B of `type` from our teacher. */
async function bobNotified(type) {
  const list = await asBob("GET", "/api/v1/notifications");
  return list.find((n) => n.type === type && n.account.username === user);
}

/** Searches with the header's field and follows the one account found. */
async function findAndFollow(page, handle) {
  await page.getByRole("searchbox", { name: "Search" }).fill(handle);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.waitForURL(/\/search\?q=/);
  const person = page.getByRole("region", { name: "People" }).getByRole("listitem").filter({ hasText: handle });
  await person.getByRole("button", { name: "Follow", exact: true }).click();
  await page.waitForURL(/\/search\?q=/);
  await person.getByRole("button", { name: "Unfollow" }).waitFor();
  // Their server accepts: the note that the request waits goes away.
  await eventually(`${handle} accepted the follow`, async () => {
    await page.reload();
    await person.getByRole("button", { name: "Unfollow" }).waitFor();
    return (await person.getByText("waits for approval").count()) === 0;
  });
}

await run(async (browser) => {
  const page = await newPage(browser);

  step("/home without a session sends the browser to the sign-in page");
  await page.goto(`${A}/home`);
  check(new URL(page.url()).pathname === "/auth/sign_in", `landed on ${page.url()}`);

  step("a wrong password is refused with a message");
  await page.getByLabel("Username or email").fill(user);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "Wrong username or password." }).waitFor();

  step("sign in");
  await signIn(page, A, user, password);
  await page.getByRole("button", { name: "Sign out" }).waitFor();

  step("post with a hashtag; it is on home");
  const first = "Exit tickets: three questions before the bell. #FormativeAssessment";
  await compose(page, first);
  await page.waitForURL(`${A}/home`);
  await post(page, "Exit tickets").waitFor();

  step("the hashtag links to the tag page, which shows the post");
  await post(page, "Exit tickets").getByRole("link", { name: "#FormativeAssessment" }).click();
  await page.waitForURL(`${A}/tags/formativeassessment`);
  await page.getByRole("heading", { name: "Posts tagged #formativeassessment" }).waitFor();
  await post(page, "Exit tickets").waitFor();

  step(`search ${bHandle} on the second Staffroom and follow them`);
  await findAndFollow(page, bHandle);

  step(`search ${peerHandle} on the Fedify server and follow them`);
  await findAndFollow(page, peerHandle);

  step("their new posts arrive on the open home page without a reload");
  // The page's clock is ours to wind on, so its 20-second polling need not be waited for.
  await page.clock.install();
  await page.goto(`${A}/home`);
  await page.evaluate(() => (window.stillTheSamePage = true));
  const bobs = "Our year 8s built a rain gauge from a bottle. Photos tomorrow!";
  await asBob("POST", "/api/v1/statuses", { status: bobs, visibility: "public" });
  const peers = "Reading group on Thursday: chapter 3 of Make It Stick.";
  await asPeer("post", { content: `<p>${peers}</p>`, visibility: "public" });
  await eventually("both posts are on the open home page", async () => {
    await page.clock.runFor(20_000);
    return (await post(page, "rain gauge").count()) > 0 && (await post(page, "Make It Stick").count()) > 0;
  });
  check(await page.evaluate(() => window.stillTheSamePage === true), "the page was reloaded");
  await page.getByRole("status").filter({ hasText: "new posts at the top" }).waitFor({ state: "attached" });

  step("bob's post has Reply, Boost, Like and Bookmark, and no Edit or Delete");
  await page.goto(`${A}/home`);
  const bobsPost = post(page, "rain gauge");
  for (const name of ["Reply", "Boost", "Like", "Bookmark"]) {
    await bobsPost.getByRole("button", { name, exact: true }).waitFor();
  }
  check((await bobsPost.getByRole("button", { name: "Delete" }).count()) === 0, "another teacher's post has no Delete button");
  check((await bobsPost.getByRole("button", { name: "Edit" }).count()) === 0, "another teacher's post has no Edit button");

  step("like and boost bob's post: the buttons say they are pressed, bob is told on his server");
  await bobsPost.getByRole("button", { name: "Like", exact: true }).click();
  await page.waitForURL(`${A}/home`);
  check((await bobsPost.getByRole("button", { name: "Like", exact: true }).getAttribute("aria-pressed")) === "true", "Like is pressed after liking");
  await bobsPost.getByRole("button", { name: "Boost", exact: true }).click();
  await page.waitForURL(`${A}/home`);
  // The boost is on home now too; the original post keeps its buttons pressed.
  check((await bobsPost.first().getByRole("button", { name: "Boost", exact: true }).getAttribute("aria-pressed")) === "true", "Boost is pressed after boosting");
  await post(page, "rain gauge").filter({ hasText: "boosted" }).waitFor();
  await eventually("bob on B has the like and the boost", async () => (await bobNotified("favourite")) && (await bobNotified("reblog")));

  step("like the Fedify teacher's post: their server receives the Like");
  await post(page, "Make It Stick").getByRole("button", { name: "Like", exact: true }).click();
  await page.waitForURL(`${A}/home`);
  await eventually("the Fedify peer received a Like", async () => {
    const res = await fetch(`${PEER}/_control/received?type=Like`);
    return (await res.json()).length > 0;
  });

  step("reply to bob from the thread page; the reply reaches him");
  await post(page, "rain gauge").first().getByRole("button", { name: "Reply" }).click();
  // Reply is a button in a GET form: the address may end in an empty "?".
  await page.waitForURL(/\/statuses\/\d+\??$/);
  const thread = page.url().replace(/\?$/, "");
  const replyBox = page.getByLabel("Post text");
  check((await replyBox.inputValue()).startsWith(`${bHandle} `), `the reply starts with the author's handle: ${await replyBox.inputValue()}`);
  await replyBox.fill(`${bHandle} Lovely! Do they log it every morning?`);
  await page.getByRole("button", { name: "Post", exact: true }).click();
  await page.waitForURL(thread);
  await post(page, "log it every morning").waitFor();
  const mention = await eventually("bob on B is told of the reply", () => bobNotified("mention"));

  step("bob replies on his server; the notifications page shows it");
  await asBob("POST", "/api/v1/statuses", { status: `@${user}@${new URL(A).host} Yes, at 8:15 before registration.`, in_reply_to_id: mention.status.id });
  await eventually("bob's reply is on the notifications page", async () => {
    await page.goto(`${A}/notifications`);
    return (await post(page, "before registration").count()) > 0;
  });
  await page.getByText(/mentioned you/).first().waitFor();

  step("edit one's own post: the edit form starts with its text");
  await page.goto(`${A}/home`);
  await post(page, "Exit tickets").getByRole("button", { name: "Edit" }).click();
  await page.waitForURL(/\/statuses\/\d+\/edit\??$/);
  check((await page.getByLabel("Post text").inputValue()) === first, "the edit form holds the post's text");
  await page.getByLabel("Post text").fill("Exit tickets: two questions before the bell. #FormativeAssessment");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL(/\/statuses\/\d+$/);
  await post(page, "two questions before the bell").filter({ hasText: "edited" }).waitFor();
  await page.goto(`${A}/home`);
  check((await post(page, "three questions").count()) === 0, "the old text is gone from home");
  await post(page, "two questions before the bell").waitFor();

  step("delete one's own post: it leaves home and the tag page");
  await post(page, "two questions before the bell").getByRole("button", { name: "Delete" }).click();
  await page.waitForURL(`${A}/home`);
  await page.getByRole("heading", { name: "Your home timeline" }).waitFor();
  check((await post(page, "two questions before the bell").count()) === 0, "the deleted post is gone from home");
  await page.goto(`${A}/tags/formativeassessment`);
  await page.getByRole("heading", { name: "Posts tagged #formativeassessment" }).waitFor();
  check((await post(page, "two questions before the bell").count()) === 0, "the deleted post is gone from the tag page");

  step("sign out: /home asks for a sign-in again");
  await page.goto(`${A}/home`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${A}/auth/sign_in`);
  await page.goto(`${A}/home`);
  check(new URL(page.url()).pathname === "/auth/sign_in", `after signing out /home shows ${page.url()}`);

  noProblems(page);
});
