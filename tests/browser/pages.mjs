// Each main page at a phone's and a desktop's width: axe-core finds no serious or
// critical violation, nothing scrolls sideways, no error is logged (a blocked inline
// script or style would be), and a screenshot is saved for a person to look at.
// Run by tests/browser.rs with PAGES, a JSON list of {name, path, signedIn}, where
// signedIn is false (a visitor), true (the teacher A_USER) or "admin" (ADMIN_USER,
// an administrator, for the admin pages).
import { env, step, check, run, newPage, signIn, axeViolations, artifactsDir } from "./lib.mjs";
import { join } from "node:path";

const A = env("STAFFROOM_A");
const pages = JSON.parse(env("PAGES"));
const widths = [
  { label: "phone", width: 390, height: 844 },
  { label: "desktop", width: 1280, height: 800 },
];

await run(async (browser) => {
  const dir = artifactsDir();
  const failures = [];
  for (const size of widths) {
    step(`sign in at ${size.label} width`);
    const visitor = await newPage(browser, size);
    const teacher = await newPage(browser, size);
    await signIn(teacher, A, env("A_USER"), env("A_PASSWORD"));
    const admin = await newPage(browser, size);
    await signIn(admin, A, env("ADMIN_USER"), env("ADMIN_PASSWORD"));
    for (const { name, path, signedIn } of pages) {
      step(`${name} (${path}) at ${size.label} width`);
      const page = signedIn === "admin" ? admin : signedIn ? teacher : visitor;
      const res = await page.goto(`${A}${path}`);
      check(res.ok(), `${path} answered ${res.status()}`);
      check(new URL(page.url()).pathname === new URL(`${A}${path}`).pathname, `${path} went to ${page.url()}`);
      const violations = await axeViolations(page);
      if (violations.serious.length) failures.push(`${name} at ${size.label} width (${path}):\n  ${violations.serious.join("\n  ")}`);
      if (violations.lesser.length) console.log(`  axe, moderate or minor: ${violations.lesser.join(", ")}`);
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (sideways > 0) failures.push(`${name} at ${size.label} width (${path}) scrolls sideways by ${sideways}px`);
      await page.screenshot({ path: join(dir, `${name}-${size.label}.png`) });
      await page.screenshot({ path: join(dir, `${name}-${size.label}-full.png`), fullPage: true });
    }
    for (const page of [visitor, teacher, admin]) {
      failures.push(...page.problems);
      await page.context().close();
    }
  }
  console.log(`screenshots in ${dir}`);
  step("no page had a serious or critical violation, sideways scrolling or an error");
  check(failures.length === 0, failures.join("\n"));
});
