// A form whose CSRF token was taken out is refused and changes nothing; the same
// form with its token goes through (the positive control). Run by tests/browser.rs.
import { env, step, check, run, newPage, signIn, compose, post } from "./lib.mjs";

const A = env("STAFFROOM_A");
const post_ = env("A_COLLEAGUE_POST");

/** Clicks `button` and gives the status of the POST it sends. */
async function submit(page, button) {
  const answer = page.waitForResponse((r) => r.request().method() === "POST");
  await button.click();
  const res = await answer;
  await page.waitForLoadState();
  return res.status();
}

await run(async (browser) => {
  const page = await newPage(browser);
  step("sign in");
  await signIn(page, A, env("A_USER"), env("A_PASSWORD"));

  step("the compose form without its token is refused with a message");
  await page.locator("form.compose input[name=csrf]").evaluate((field) => field.remove());
  await page.getByLabel("Post text").fill("Forged: this must never be posted");
  const status = await submit(page, page.getByRole("button", { name: "Post", exact: true }));
  check(status === 403, `a compose form without its token answered ${status}`);
  await page.getByText("nothing was changed").waitFor();

  step("nothing was posted");
  for (const url of [`${A}/home`, `${A}/public/local`]) {
    await page.goto(url);
    await page.getByRole("main").waitFor();
    check((await post(page, "Forged").count()) === 0, `the refused post is on ${url}`);
  }

  step("the same form with its token posts (positive control)");
  await page.goto(`${A}/home`);
  await compose(page, "Genuine: posted with the form's token");
  await page.waitForURL(`${A}/home`);
  await post(page, "Genuine").waitFor();

  step("a Like without its token is refused and the post stays unliked");
  await page.goto(`${A}/public/local`);
  const theirs = post(page, post_);
  const like = theirs.getByRole("button", { name: "Like", exact: true });
  await like.locator("xpath=..").locator("input[name=csrf]").evaluate((field) => field.remove());
  const refused = await submit(page, like);
  check(refused === 403, `a Like without its token answered ${refused}`);
  await page.goto(`${A}/public/local`);
  check((await like.getAttribute("aria-pressed")) === "false", "the refused Like did not like the post");
  await theirs.filter({ hasText: "0 likes" }).waitFor();

  step("the Like with its token likes it (positive control)");
  const liked = await submit(page, like);
  check(liked === 303, `a Like with its token answered ${liked}`);
  check((await like.getAttribute("aria-pressed")) === "true", "the Like with its token liked the post");
  await theirs.filter({ hasText: /\b1 like(?!s)/ }).waitFor();
});
