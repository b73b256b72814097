// Headless Firefox ESR through WebDriver (geckodriver, driven by selenium-webdriver), behind
// the small part of playwright-core's Browser / BrowserContext / Page interface that the
// shared page cases use (tests/e2e/page-cases.mjs), so that one case runs in both browsers
// without being copied.
//
// A "context" is one WebDriver session: a fresh Firefox profile (its own cache and service
// worker registrations), as a Playwright context is. Every request it makes, from the page,
// its workers and its service worker alike, goes through a recording proxy on loopback that
// forwards only the page's origin and refuses the rest: the suite's "no request leaves the
// origin" sees all of Firefox's traffic, not just the page's. The proxy also takes the
// network away for setOffline(true). Console errors and uncaught exceptions arrive over
// WebDriver BiDi (log.entryAdded).
//
// Nothing here downloads anything: the browser is Debian's firefox-esr ($FIREFOX) and the
// driver the geckodriver that scripts/setup.sh installs ($GECKODRIVER, else on PATH), so
// Selenium Manager is never asked to find either.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Builder, Key } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';
import BrowsingContext from 'selenium-webdriver/bidi/browsingContext.js';
import LogInspector from 'selenium-webdriver/bidi/logInspector.js';

export const firefoxBinary = process.env.FIREFOX || '/usr/bin/firefox-esr';

function geckodriverPath() {
  if (process.env.GECKODRIVER) return process.env.GECKODRIVER;
  const found = spawnSync('sh', ['-c', 'command -v geckodriver'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('geckodriver is not installed (scripts/setup.sh checks installs it)');
  return found;
}

// The browser's version as it prints it ("Mozilla Firefox 140.5.0esr").
export function firefoxVersion() {
  return spawnSync(firefoxBinary, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

// Firefox's own connections that no pref of this version turns off (seen with Firefox ESR
// 153.8: Remote Settings, tried again every few hundred milliseconds however
// services.settings.server is set). They are the browser's, not the page's: the page's CSP
// (connect-src 'self') could not reach them. The proxy refuses them like any other foreign
// request, but reports them apart (`browserOwn`), so a page request never hides among them
// (any other host, or a plain-HTTP request to these, counts as the page's).
export const BROWSER_OWN = new Set(['https://firefox.settings.services.mozilla.com:443/']);

// A proxy on an ephemeral loopback port: forwards requests for `origin`, refuses any other
// (502, or a closed tunnel for CONNECT) and reports every URL to `onRequest` (Firefox's own,
// BROWSER_OWN, to `onBrowserOwn`); while `offline` is set it refuses everything, as a machine
// without a network would.
async function recordingProxy(origin, onRequest, onBrowserOwn) {
  const target = new URL(origin);
  const sockets = new Set();
  const proxy = http.createServer((req, res) => {
    const url = req.url.startsWith('/') ? `${origin}${req.url}` : req.url;
    onRequest(url);
    if (state.offline) { req.socket.destroy(); return; }
    let parsed;
    try { parsed = new URL(url); } catch { res.writeHead(400).end(); return; }
    if (parsed.origin !== target.origin) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('not the page origin: refused by the test proxy');
      return;
    }
    const upstream = http.request({
      host: target.hostname, port: target.port, method: req.method,
      path: `${parsed.pathname}${parsed.search}`, headers: req.headers,
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on('connect', (req, socket) => {
    const url = `https://${req.url}/`;
    if (BROWSER_OWN.has(url)) onBrowserOwn(url); else onRequest(url);
    socket.destroy();
  });
  proxy.on('connection', (socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  const state = {
    offline: false,
    port: 0,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); proxy.close(resolve); }),
  };
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  state.port = proxy.address().port;
  return state;
}

// Prefs of every profile: the proxy for all traffic (loopback included), and none of
// Firefox's own background connections (they would reach the proxy and count as requests).
function prefs(proxyPort) {
  const p = {
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': proxyPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': proxyPort,
    'network.proxy.no_proxies_on': '',
    'network.proxy.allow_hijacking_localhost': true,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.downloads.enabled': false,
    'browser.safebrowsing.blockedURIs.enabled': false,
    'browser.safebrowsing.provider.mozilla.updateURL': '',
    'browser.newtabpage.enabled': false,
    'browser.startup.homepage': 'about:blank',
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'datareporting.healthreport.uploadEnabled': false,
    'toolkit.telemetry.enabled': false,
    'app.update.enabled': false,
    'app.normandy.enabled': false,
    'extensions.update.enabled': false,
    'extensions.getAddons.cache.enabled': false,
    'services.settings.server': 'data:,',
    'dom.push.enabled': false,
    'dom.push.connection.enabled': false,
    'geo.provider.network.url': '',
    'browser.region.network.url': '',
    'identity.fxaccounts.enabled': false,
    // Service workers on http://127.0.0.1 are allowed (a potentially trustworthy origin);
    // the tests' own profile is fresh, so no test may depend on another's registration.
    'dom.serviceWorkers.enabled': true,
  };
  return p;
}

const KEYS = { ArrowRight: Key.ARROW_RIGHT, ArrowLeft: Key.ARROW_LEFT, ArrowUp: Key.ARROW_UP, ArrowDown: Key.ARROW_DOWN, Enter: Key.ENTER, Tab: Key.TAB, Escape: Key.ESCAPE };

// Runs `fn` (a function, serialised as Playwright does) in the page with `args`; awaits a
// promise it returns. WebDriver's script evaluation is not subject to the page's CSP.
async function run(driver, fn, ...args) {
  const script = `const done = arguments[arguments.length - 1];
    Promise.resolve().then(() => (${fn})(...Array.from(arguments).slice(0, -1)))
      .then((value) => done({ value: value === undefined ? null : value }), (error) => done({ error: String(error && error.stack || error) }));`;
  const out = await driver.executeAsyncScript(script, ...args);
  if (out && 'error' in out) throw new Error(`in the page: ${out.error}`);
  return out?.value ?? null;
}

async function poll(what, timeout, check) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

class FirefoxPage {
  constructor(context) {
    this.context = context;
    this.driver = context.driver;
    this.listeners = { console: [], pageerror: [] };
    this.keyboard = { press: (key) => this.driver.actions().sendKeys(KEYS[key] ?? key).perform() };
  }

  on(event, fn) { this.listeners[event]?.push(fn); }

  emit(event, value) { for (const fn of this.listeners[event] ?? []) fn(value); }

  goto(url) { return this.driver.get(url); }

  // BiDi's reload, as the user's: WebDriver's Refresh command bypasses the service worker in
  // Firefox (seen with ESR 153.8: offline it reached the network error page where a
  // navigation or this reload is answered from the cache).
  reload() { return this.context.browsingContext.reload(undefined, 'complete'); }

  evaluate(fn, arg) { return run(this.driver, fn, arg); }

  async waitForFunction(fn, arg = null, { timeout = 30_000 } = {}) {
    return poll(`${fn}`, timeout, () => run(this.driver, fn, arg));
  }

  // The element `selector` names, waited for as Playwright does (30 s).
  async element(selector) {
    await poll(`selector ${selector}`, 30_000, () => run(this.driver, (s) => document.querySelector(s) !== null, selector));
    return this.driver.executeScript('return document.querySelector(arguments[0]);', selector);
  }

  async waitForSelector(selector, { timeout = 30_000 } = {}) {
    await poll(`selector ${selector}`, timeout, () => run(this.driver, (s) => document.querySelector(s) !== null, selector));
  }

  async textContent(selector) {
    await this.element(selector);
    return run(this.driver, (s) => document.querySelector(s).textContent, selector);
  }

  async getAttribute(selector, name) {
    await this.element(selector);
    return run(this.driver, (s, n) => document.querySelector(s).getAttribute(n), selector, name);
  }

  async inputValue(selector) {
    await this.element(selector);
    return run(this.driver, (s) => document.querySelector(s).value, selector);
  }

  // Playwright's notion: present, a non-empty box and not visibility: hidden.
  isVisible(selector) {
    return run(this.driver, (s) => {
      const e = document.querySelector(s);
      if (!e) return false;
      const box = e.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== 'hidden';
    }, selector);
  }

  // `fn` receives the matching elements, as page.$$eval's does.
  $$eval(selector, fn, arg) {
    return run(this.driver, `(s, a) => (${fn})(Array.from(document.querySelectorAll(s)), a)`, selector, arg);
  }

  async click(selector) { await (await this.element(selector)).click(); }

  async check(selector) {
    const element = await this.element(selector);
    if (!(await element.isSelected())) await element.click();
  }

  async focus(selector) {
    await this.element(selector);
    await run(this.driver, (s) => document.querySelector(s).focus(), selector);
  }

  async fill(selector, value) {
    const element = await this.element(selector);
    await element.clear();
    if (value !== '') await element.sendKeys(value);
  }

  async selectOption(selector, value) {
    await this.element(selector);
    await run(this.driver, (s, v) => {
      const e = document.querySelector(s);
      e.value = v;
      e.dispatchEvent(new Event('input', { bubbles: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
    }, selector, value);
  }

  // Paths, or {name, mimeType, buffer} as Playwright takes them (written to a temporary
  // folder under their own names). The input's earlier choice is cleared first: WebDriver
  // adds to a `multiple` input's files where Playwright replaces them.
  async setInputFiles(selector, files) {
    const list = Array.isArray(files) ? files : [files];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-firefox-files-'));
    const paths = list.map((file) => {
      if (typeof file === 'string') return path.resolve(file);
      const to = path.join(dir, path.basename(file.name));
      fs.writeFileSync(to, file.buffer);
      return to;
    });
    const element = await this.element(selector);
    await run(this.driver, (s) => { document.querySelector(s).value = ''; }, selector);
    await element.sendKeys(paths.join('\n'));
    fs.rmSync(dir, { recursive: true, force: true });
  }

  locator(selector) {
    return { screenshot: async () => Buffer.from(await (await this.element(selector)).takeScreenshot(), 'base64') };
  }

  // The whole document (geckodriver's full-page screenshot) or the viewport.
  async screenshot({ path: to, fullPage = false } = {}) {
    const base64 = fullPage
      ? await this.driver.execute(new (await import('selenium-webdriver/lib/command.js')).Command('fullPage screenshot'))
      : await this.driver.takeScreenshot();
    const png = Buffer.from(base64, 'base64');
    if (to) fs.writeFileSync(to, png);
    return png;
  }

  // The page printed by the browser (WebDriver's Print command), with the page's own sizes.
  async pdf({ path: to, printBackground = false } = {}) {
    const pdf = Buffer.from(await this.driver.printPage({ background: printBackground }), 'base64');
    if (to) fs.writeFileSync(to, pdf);
    return pdf;
  }
}

class FirefoxContext {
  constructor(browser, options) {
    this.browser = browser;
    this.options = options;
    this.listeners = { request: [] };
    this.pages = [];
    // Every URL the proxy saw, from the browser's start: a listener added later hears them all.
    this.seen = [];
  }

  on(event, fn) {
    this.listeners[event]?.push(fn);
    if (event === 'request') for (const url of this.seen) fn({ url: () => url });
  }

  async start() {
    this.proxy = await recordingProxy(this.browser.origin, (url) => {
      this.seen.push(url);
      for (const fn of this.listeners.request) fn({ url: () => url });
    }, () => { this.browser.browserOwn += 1; });
    const options = new firefox.Options()
      .setBinary(firefoxBinary)
      .addArguments('-headless')
      .enableBidi();
    for (const [name, value] of Object.entries(prefs(this.proxy.port))) options.setPreference(name, value);
    this.driver = await new Builder()
      .forBrowser('firefox')
      .setFirefoxOptions(options)
      .setFirefoxService(new firefox.ServiceBuilder(geckodriverPath()))
      .build();
    await this.driver.manage().setTimeouts({ script: 180_000, pageLoad: 120_000 });
    // The viewport through BiDi: a window may not be narrower than 500 px here (the 390 px
    // phone width needs this), and the device pixel ratio comes with it.
    const { width, height } = this.options.viewport ?? { width: 1280, height: 720 };
    await this.driver.manage().window().setRect({ width: Math.max(width, 500) + 40, height: height + 40 });
    this.browsingContext = await BrowsingContext(this.driver, { browsingContextId: await this.driver.getWindowHandle() });
    await this.browsingContext.setViewport(width, height, this.options.deviceScaleFactor);
    const page = new FirefoxPage(this);
    const inspector = await LogInspector(this.driver);
    await inspector.onConsoleEntry((entry) => {
      if (entry.level === 'error') page.emit('console', { type: () => 'error', text: () => entry.text });
    });
    await inspector.onJavascriptException((entry) => page.emit('pageerror', entry.text));
    this.inspector = inspector;
    this.pages.push(page);
    return this;
  }

  async newPage() { return this.pages[0]; }

  setOffline(offline) { this.proxy.offline = offline; }

  async close() {
    await this.inspector?.close().catch(() => {});
    await this.driver?.quit().catch(() => {});
    await this.proxy?.close();
  }
}

// launch({origin}): a "browser" whose contexts may only reach `origin` (the page's server).
export async function launch({ origin }) {
  const contexts = new Set();
  return {
    origin,
    name: 'firefox',
    // How many of Firefox's own connections (BROWSER_OWN) the proxies refused.
    browserOwn: 0,
    async newContext(options = {}) {
      const context = await new FirefoxContext(this, options).start();
      contexts.add(context);
      return context;
    },
    async close() {
      for (const context of contexts) await context.close();
      if (this.browserOwn) console.log(`# Firefox's own connections refused (${[...BROWSER_OWN].join(', ')}): ${this.browserOwn}`);
    },
  };
}
