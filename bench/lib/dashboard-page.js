// The browser side of bench/dashboard.js: one Chromium tab, behind the few calls the benchmark makes,
// with two drivers.
//
//   cdp         (default) raw CDP over `--remote-debugging-pipe` (bench/lib/cdp.js). The page's session
//               enables Page, Runtime (for page errors) and Performance (JS heap), and NOT Network: with
//               the Network domain on, DevTools keeps every response body, the event stream's included,
//               and once that body passes Chromium's 20 MB per-resource buffer it runs one long native
//               task in the renderer (84-123 ms CPU in traces, ~9 s into the running phase) that a user's
//               browser without DevTools open never runs. `network: true` turns it on anyway, to show it.
//   playwright  playwright-core, which sends `Network.enable` for every page: the benchmark as it was.
//
// Both start the same Chromium with the same switches (Playwright's defaults, copied below), open the tab
// in a new browser context with the same emulation (1280×800, scale 1, focus emulation, fonts, media)
// and trace from the page's session with the same Tracing.start call.
//
// The tab: addInitScript(fn), goto(url) and reload() (both resolve on the load event), evaluate(fn, arg)
// (fn runs in the page: self-contained, arg JSON), startTracing(path, categories), stopTracing() (writes
// the trace to path), send(method, params) (a CDP command on the page's session), close().
import { open } from 'node:fs/promises';
import { launch } from './cdp.js';

/** What playwright-core 1.65 adds to Chromium's command line for a headless launch (`DEBUG=pw:browser`). */
const PLAYWRIGHT_SWITCHES = [
  '--disable-field-trial-config', '--disable-background-networking', '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows', '--disable-back-forward-cache', '--disable-breakpad',
  '--disable-component-extensions-with-background-pages', '--disable-component-update', '--no-default-browser-check',
  '--disable-default-apps', '--disable-dev-shm-usage', '--disable-edgeupdater', '--disable-extensions',
  '--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,'
    + 'LensOverlay,MediaRouter,PaintHolding,ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,TcpPortRandomizationWin,'
    + 'OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch,msForceBrowserSignIn,msEdgeUpdateLaunchServicesPreferredVersion',
  '--enable-features=CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies', '--allow-pre-commit-input',
  '--disable-hang-monitor', '--disable-ipc-flooding-protection', '--disable-popup-blocking', '--disable-prompt-on-repost',
  '--disable-renderer-backgrounding', '--disable-updater-scheduler', '--force-color-profile=srgb', '--metrics-recording-only',
  '--no-first-run', '--password-store=basic', '--use-mock-keychain', '--no-service-autorun', '--disable-search-engine-choice-screen',
  '--unsafely-disable-devtools-self-xss-warnings', '--enable-unsafe-swiftshader', '--edge-skip-compat-layer-relaunch',
  '--disable-stack-profiler', '--disable-infobars', '--disable-sync', '--do-not-de-elevate', '--headless', '--hide-scrollbars',
  '--mute-audio', '--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4',
];

/** The page's JavaScript as Runtime.evaluate's expression: `fn(arg)`. */
const call = (fn, arg) => `(${fn})(${arg === undefined ? '' : JSON.stringify(arg)})`;

async function cdpPage({ executablePath, args, viewport, network, onPageError }) {
  const chromium = await launch({ executablePath, args: [...PLAYWRIGHT_SWITCHES, ...args] });
  try {
    const session = await chromium.newPage();
    const { windowId } = await session.send('Browser.getWindowForTarget').catch(() => ({}));
    session.on('Runtime.exceptionThrown', ({ exceptionDetails: d }) => onPageError(d.exception?.description ?? d.text));
    await session.send('Page.enable');
    await session.send('Runtime.enable');
    if (network) await session.send('Network.enable');
    await session.send('Emulation.setFocusEmulationEnabled', { enabled: true });
    if (windowId) await session.send('Browser.setWindowBounds', { windowId, bounds: viewport });
    await session.send('Emulation.setDeviceMetricsOverride', { mobile: false, ...viewport, screenWidth: viewport.width, screenHeight: viewport.height,
      deviceScaleFactor: 1, screenOrientation: { angle: 0, type: 'landscapePrimary' } });
    await session.send('Page.setFontFamilies', { fontFamilies: { standard: 'Times New Roman', fixed: 'Monospace', serif: 'Times New Roman',
      sansSerif: 'Arial', cursive: 'Comic Sans MS', fantasy: 'Impact' } });
    await session.send('Emulation.setEmulatedMedia', { media: '', features: [{ name: 'prefers-color-scheme', value: 'light' },
      { name: 'prefers-reduced-motion', value: 'no-preference' }, { name: 'forced-colors', value: 'none' }, { name: 'prefers-contrast', value: 'no-preference' }] });
    const loaded = async (navigate) => {
      const load = new Promise((resolve) => session.once('Page.loadEventFired', resolve));
      const result = await navigate();
      if (result?.errorText) throw new Error(`navigation failed: ${result.errorText}`);
      await load;
    };
    let tracePath;
    return {
      addInitScript: (fn) => session.send('Page.addScriptToEvaluateOnNewDocument', { source: call(fn) }),
      goto: (url) => loaded(() => session.send('Page.navigate', { url })),
      reload: () => loaded(() => session.send('Page.reload')),
      async evaluate(fn, arg) {
        const { result, exceptionDetails } = await session.send('Runtime.evaluate', { expression: call(fn, arg), returnByValue: true, awaitPromise: true });
        if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
        return result.value;
      },
      async startTracing(path, categories) {
        tracePath = path;
        await session.send('Tracing.start', { transferMode: 'ReturnAsStream', categories: categories.join(',') });
      },
      async stopTracing() {
        const complete = new Promise((resolve) => session.once('Tracing.tracingComplete', resolve));
        await session.send('Tracing.end');
        const { stream } = await complete;
        const file = await open(tracePath, 'w');
        try {
          for (let eof = false; !eof;) {
            const chunk = await session.send('IO.read', { handle: stream });
            eof = chunk.eof;
            await file.write(Buffer.from(chunk.data, chunk.base64Encoded ? 'base64' : 'utf8'));
          }
        } finally {
          await file.close();
        }
        await session.send('IO.close', { handle: stream });
      },
      send: (method, params) => session.send(method, params),
      close: () => chromium.close(),
    };
  } catch (error) {
    await chromium.close();
    throw error;
  }
}

async function playwrightPage({ executablePath, args, viewport, onPageError }) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args });
  try {
    const page = await browser.newPage({ viewport });
    page.on('pageerror', (error) => onPageError(error.message));
    const cdp = await page.context().newCDPSession(page);
    return {
      addInitScript: (fn) => page.addInitScript(fn),
      goto: (url) => page.goto(url),
      reload: () => page.reload(),
      evaluate: (fn, arg) => page.evaluate(fn, arg),
      startTracing: (path, categories) => browser.startTracing(page, { path, categories }),
      stopTracing: () => browser.stopTracing(),
      send: (method, params) => cdp.send(method, params),
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Opens a tab in a new Chromium with `driver` ('cdp' or 'playwright'); see the top of this file. */
export function openPage({ driver, ...options }) {
  if (driver === 'cdp') return cdpPage(options);
  if (driver === 'playwright') {
    if (options.network) throw new Error('--network is for --driver cdp (Playwright always enables the Network domain)');
    return playwrightPage(options);
  }
  throw new Error(`unknown driver ${driver} (cdp or playwright)`);
}
