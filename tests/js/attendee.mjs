// Walks agendad's pages in Debian's headless Chromium (playwright-core)
// as attendees do, and checks them with axe-core.
//
//   node attendee.mjs BASEURL OUTDIR NAME [walk]
//
// For the index, the first day, the first session of that day and
// now.html, at 390 px and 1280 px: a screenshot OUTDIR/NAME-PAGE-WIDTH.png,
// axe-core's violations, and whether Tab reaches the site navigation
// first.  With "walk", on a phone-sized window: index → day → session,
// the session's .ics fetched, back to the day, three sessions ticked and
// subscribed to, then now.html.  The first day printed to A4, as an
// organiser prints it for the room: OUTDIR/NAME-day-print.pdf, and what
// print media shows at A4's printable width; the first room's page (or
// track's) likewise, OUTDIR/NAME-list-print.pdf.  Prints JSON.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const [base, outDir, name, walk] = process.argv.slice(2);
if (!base || !outDir || !name) {
  console.error("usage: attendee.mjs BASEURL OUTDIR NAME [walk]");
  process.exit(2);
}
const widths = { 390: { width: 390, height: 844 }, 1280: { width: 1280, height: 900 } };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});

async function axe(page) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
    first: v.nodes[0] && v.nodes[0].html.slice(0, 200) }));
}

// Tab from the top: the first stops are the site navigation's links, and
// the focused element is visibly outlined.
async function keyboard(page) {
  await page.keyboard.press("Tab");
  return page.evaluate(() => {
    const a = document.activeElement;
    return { tag: a.tagName, inNav: !!a.closest("nav"),
      outline: getComputedStyle(a).outlineStyle !== "none" };
  });
}

// A4 less the stylesheet's 12 mm margins, at CSS's 96 px to the inch.
const A4_PRINTABLE_PX = Math.floor(((210 - 2 * 12) / 25.4) * 96);

async function print(url, pdf) {
  const p = await browser.newPage({ viewport: { width: A4_PRINTABLE_PX, height: 1000 } });
  await p.goto(url);
  await p.emulateMedia({ media: "print" });
  const got = await p.evaluate(() => {
    const shown = (e) => getComputedStyle(e).display !== "none" && e.getClientRects().length > 0;
    const cards = [...document.querySelectorAll(".card")];
    const chrome = [...document.querySelectorAll(
      "nav.site, form.search, #filter, label.pick, .mine, button, a.sub")].filter(shown);
    return { text: document.body.innerText, cards: cards.length, cardsShown: cards.filter(shown).length,
      chromeShown: chrome.map((e) => e.outerHTML.slice(0, 80)),
      width: document.documentElement.scrollWidth,
      widest: Math.max(0, ...cards.map((c) => c.getBoundingClientRect().right)) };
  });
  const bytes = await p.pdf({ path: pdf, format: "A4", preferCSSPageSize: true });
  // Chromium writes one "/Type /Page" dictionary per sheet.
  got.sheets = (bytes.toString("latin1").match(/\/Type\s*\/Page(?![s\w])/g) || []).length;
  got.pdf = pdf;
  got.printable = A4_PRINTABLE_PX;
  await p.close();
  return got;
}

const result = { pages: {}, walk: null, print: null, printList: null };
try {
  const page = await browser.newPage({ viewport: widths[1280] });
  await page.goto(base + "/");
  const day = await page.getAttribute("#days a.t", "href");
  await page.goto(base + "/" + day);
  const session = new URL(await page.getAttribute(".card:not(.break) a.t", "href"), page.url()).href;
  const targets = { index: base + "/", day: base + "/" + day, session, now: base + "/now.html" };
  for (const [w, viewport] of Object.entries(widths)) {
    const p = await browser.newPage({ viewport });
    for (const [what, url] of Object.entries(targets)) {
      await p.goto(url);
      const file = `${outDir}/${name}-${what}-${w}.png`;
      await p.screenshot({ path: file });
      result.pages[`${what}-${w}`] = { url, screenshot: file, keyboard: await keyboard(p),
        violations: await axe(p) };
    }
    await p.close();
  }
  result.print = await print(targets.day, `${outDir}/${name}-day-print.pdf`);
  // A room's page, printed for its door (a track's when there are no rooms).
  await page.goto(base + "/");
  const list = (await page.$("#rooms td a")) || (await page.$("#tracks td a"));
  result.printList = await print(new URL(await list.getAttribute("href"), page.url()).href,
    `${outDir}/${name}-list-print.pdf`);
  if (walk) {
    const p = await browser.newPage({ viewport: widths[390] });
    const w = {};
    await p.goto(base + "/");
    await Promise.all([p.waitForURL(/\/days\/[0-9-]+\.html$/), p.click("#days a.t")]);
    w.day = p.url();
    await Promise.all([p.waitForURL(/\/sessions\/.+\.html$/), p.click(".card:not(.break) a.t")]);
    w.session = p.url();
    w.title = (await p.textContent("h1")).trim();
    const ics = await p.getAttribute("a.sub", "href");
    w.ics = await (await p.request.get(ics)).text();
    w.google = await p.getAttribute("a.btn[href^='https://calendar.google.com/']", "href");
    await p.goto(w.day);
    const boxes = p.locator("input[name=session]");
    w.ticked = [];
    for (let i = 0; i < 3; i++) {
      await boxes.nth(i).check();
      w.ticked.push(await boxes.nth(i).getAttribute("value"));
    }
    await Promise.all([p.waitForURL(/\/my\/[A-Za-z0-9_-]{22}$/), p.click("text=Subscribe to my selection")]);
    w.selection = p.url();
    w.feed = (await p.textContent("#feed-url")).trim();
    await p.goto(base + "/now.html");
    w.now = await p.textContent("main");
    await p.screenshot({ path: `${outDir}/${name}-walk-now-390.png` });
    result.walk = w;
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
