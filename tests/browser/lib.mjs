// What the browser scripts share: Debian's Chromium driven by playwright-core (no
// browser download, ever), steps that name themselves so a failure says where it
// happened, polling with a deadline, axe-core and screenshots. tests/browser.rs runs
// the scripts with the servers' addresses and the teachers' passwords in the
// environment, and reads "all steps passed" as success.
import { chromium } from "playwright-core";
import axe from "axe-core";
import { mkdirSync } from "node:fs";

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

let current = "start";
export const step = (name) => {
  current = name;
  console.log(`step: ${name}`);
};
export const check = (ok, message) => {
  if (!ok) throw new Error(message);
};

/** A JSON call (with a bearer token, if given); fails on an error answer. */
export async function call(method, url, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, body: body && JSON.stringify(body) });
  const json = await res.json();
  check(res.ok, `${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls `probe` until it gives something truthy; fails naming `what` after the deadline. */
export async function eventually(what, probe, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Runs `body(browser)` with a headless Chromium, reports the step that failed, and
 * prints "all steps passed" when nothing did. */
export async function run(body) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // Tests run as root, where Chromium's sandbox cannot start.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
    headless: true,
  });
  try {
    await body(browser);
    console.log("all steps passed");
  } catch (e) {
    console.log(`FAILED at step: ${current}`);
    console.log(e && e.stack ? e.stack : String(e));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

/** A fresh browser profile (no cookies) at phone or desktop size, failing on any
 * error the page logs (a Content-Security-Policy violation shows up there). */
export async function newPage(browser, { width = 1280, height = 800, locale = "en-GB" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale });
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // A page answered with an error status (a wrong password's 401) is logged too;
    // that is the page doing its job, not a broken part of it.
    const documentStatus = m.text().startsWith("Failed to load resource") && m.location().url === page.url();
    if (!documentStatus) page.problems.push(`console error on ${page.url()}: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => page.problems.push(`page error on ${page.url()}: ${e.message}`));
  return page;
}

/** Fails if a page logged an error so far. */
export function noProblems(page) {
  check(page.problems.length === 0, page.problems.join("\n"));
}

/** Signs in through the form, by its labels, and lands on /home. */
export async function signIn(page, base, login, password) {
  await page.goto(`${base}/auth/sign_in`);
  await page.getByLabel("Username or email").fill(login);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/home`);
}

/** Writes a post with the compose form of the page shown. */
export async function compose(page, text, { contentWarning, visibility } = {}) {
  await page.getByLabel("Post text").fill(text);
  if (contentWarning) await page.getByLabel("Content warning").fill(contentWarning);
  if (visibility) await page.getByLabel("Visibility").selectOption({ label: visibility });
  await page.getByRole("button", { name: "Post", exact: true }).click();
}

/** The `<article>` of the post containing `text`. */
export const post = (page, text) => page.getByRole("article").filter({ hasText: text });

/** Reloads `url` until the post containing `text` is on it (it may come from another server). */
export async function waitForPost(page, url, text, timeoutMs = 30000) {
  await eventually(`"${text}" is on ${url}`, async () => {
    await page.goto(url);
    return (await post(page, text).count()) > 0;
  }, timeoutMs);
}

/** axe-core's violations of the page shown: `serious` (serious or critical, each
 * with the elements it found) and `lesser` (the ids of the others). */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol: the page's CSP forbids inline scripts,
  // and rightly so, but does not stop the test from looking.
  await page.evaluate(axe.source);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const isSerious = (v) => v.impact === "serious" || v.impact === "critical";
  return {
    serious: results.violations
      .filter(isSerious)
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join("\n    ")}`),
    lesser: results.violations.filter((v) => !isSerious(v)).map((v) => `${v.id} (${v.impact})`),
  };
}

export function artifactsDir() {
  const dir = env("BROWSER_ARTIFACTS");
  mkdirSync(dir, { recursive: true });
  return dir;
}
