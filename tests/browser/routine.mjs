// A teacher's day in Chromium, by the controls' accessible names: sign in, post with
// a hashtag, find it on home and on the tag page, reply, like and boost a
// colleague's post, edit and delete one's own, read a reply in the notifications,
// sign out. Run by tests/browser.rs, which starts the servers and makes the teachers.
import { env, step, check, run, newPage, noProblems, signIn, compose, post, waitForPost, eventually } from "./lib.mjs";

const A = env("STAFFROOM_A");
const user = env("A_USER");
const password = env("A_PASSWORD");
// A colleague on the same server, driven through the client API with a token.
const colleague = env("A_COLLEAGUE");
const colleagueToken = env("A_COLLEAGUE_TOKEN");
const colleaguePost = env("A_COLLEAGUE_POST");

/** A client API call as the colleague. */
async function api(method, path, body) {
  const res = await fetch(`${A}${path}`, {
    method,
    headers: { authorization: `Bearer ${colleagueToken}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  const json = await res.json();
  check(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
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

  step("the colleague's post is on the local timeline, with its buttons");
  await page.goto(`${A}/public/local`);
  const theirs = post(page, colleaguePost);
  for (const name of ["Reply", "Boost", "Like", "Bookmark"]) {
    await theirs.getByRole("button", { name, exact: true }).waitFor();
  }
  check((await theirs.getByRole("button", { name: "Delete" }).count()) === 0, "another teacher's post has no Delete button");
  check((await theirs.getByRole("button", { name: "Edit" }).count()) === 0, "another teacher's post has no Edit button");

  step("like and boost it: the buttons say they are pressed");
  await theirs.getByRole("button", { name: "Like", exact: true }).click();
  await page.waitForURL(`${A}/public/local`);
  check((await theirs.getByRole("button", { name: "Like", exact: true }).getAttribute("aria-pressed")) === "true", "Like is pressed after liking");
  await theirs.getByRole("button", { name: "Boost", exact: true }).click();
  await page.waitForURL(`${A}/public/local`);
  check((await theirs.getByRole("button", { name: "Boost", exact: true }).getAttribute("aria-pressed")) === "true", "Boost is pressed after boosting");
  await theirs.filter({ hasText: "1 likes" }).filter({ hasText: "1 boosts" }).waitFor();

  step("the colleague is told of the like and the boost");
  await eventually("the colleague has a favourite and a reblog notification", async () => {
    const list = await api("GET", "/api/v1/notifications");
    const kinds = list.filter((n) => n.account.username === user).map((n) => n.type);
    return kinds.includes("favourite") && kinds.includes("reblog");
  });

  step("the boost is on home");
  await page.goto(`${A}/home`);
  await post(page, colleaguePost).filter({ hasText: "boosted" }).waitFor();

  step("reply to the colleague from the thread page");
  await page.goto(`${A}/public/local`);
  await post(page, colleaguePost).getByRole("button", { name: "Reply" }).click();
  // Reply is a button in a GET form: the address may end in an empty "?".
  await page.waitForURL(/\/statuses\/\d+\??$/);
  const thread = page.url().replace(/\?$/, "");
  const replyBox = page.getByLabel("Post text");
  check((await replyBox.inputValue()).startsWith(`@${colleague} `), `the reply starts with the author: ${await replyBox.inputValue()}`);
  await replyBox.fill(`@${colleague} We use sticky notes on the door for ours.`);
  await page.getByRole("button", { name: "Post", exact: true }).click();
  await page.waitForURL(thread);
  await post(page, "sticky notes on the door").waitFor();

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

  step("the colleague replies; the notifications page shows it");
  const mine = (await api("GET", `/api/v1/accounts/lookup?acct=${user}`)).id;
  const statuses = await api("GET", `/api/v1/accounts/${mine}/statuses`);
  const target = statuses.find((s) => s.content.includes("two questions"));
  check(target, `the colleague sees the edited post: ${JSON.stringify(statuses.map((s) => s.content))}`);
  await api("POST", "/api/v1/statuses", { status: `@${user} Two is plenty, we tried five once.`, in_reply_to_id: target.id });
  await waitForPost(page, `${A}/notifications`, "we tried five once");
  await page.getByText(/mentioned you/).first().waitFor();

  step("delete one's own post: it leaves home and the tag page");
  await page.goto(`${A}/home`);
  await post(page, "two questions before the bell").getByRole("button", { name: "Delete" }).click();
  await page.waitForURL(`${A}/home`);
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
