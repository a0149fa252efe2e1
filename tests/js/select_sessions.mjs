// Drives Debian's headless Chromium through playwright-core like an
// attendee: opens the index, goes to the first day, ticks sessions,
// presses "Subscribe to my selection", and reads the feed address off the
// selection page.
// Screenshots at phone and desktop widths go to OUTDIR.
//
//   node select_sessions.mjs BASEURL OUTDIR SESSION_ID...
// Prints {"page": URL, "feed": URL, "copyButtons": N} as JSON.
import { chromium } from "playwright-core";

const [base, outDir, ...ids] = process.argv.slice(2);
if (!base || !outDir || ids.length === 0) {
  console.error("usage: select_sessions.mjs BASEURL OUTDIR SESSION_ID...");
  process.exit(2);
}
const widths = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const shots = {};
  for (const [name, viewport] of Object.entries(widths)) {
    shots[name] = await browser.newPage({ viewport });
    await shots[name].goto(base + "/");
    await shots[name].screenshot({ path: `${outDir}/index-${name}.png`, fullPage: true });
  }
  const page = shots.desktop;
  // The copy buttons are hidden until the script shows them.
  const copyButtons = await page.locator("button.copy:visible").count();
  await Promise.all([page.waitForURL(/\/days\/[0-9-]+\.html$/), page.click("#days a.t")]);
  for (const id of ids) await page.check(`input[name=session][value="${id}"]`);
  await Promise.all([page.waitForURL(/\/my\/[A-Za-z0-9_-]{22}$/), page.click("text=Subscribe to my selection")]);
  const feed = (await page.textContent("#feed-url")).trim();
  await page.screenshot({ path: `${outDir}/selection-desktop.png`, fullPage: true });
  await shots.phone.goto(page.url());
  await shots.phone.screenshot({ path: `${outDir}/selection-phone.png`, fullPage: true });
  console.log(JSON.stringify({ page: page.url(), feed, copyButtons }));
} finally {
  await browser.close();
}
