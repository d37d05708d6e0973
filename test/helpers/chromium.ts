// playwright-core's types bring the DOM library into the type-check of the whole project (callbacks of
// page.evaluate run in the page); with its iterable parts as well, Node code that iterates fetch bodies still checks.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="dom.asynciterable" />
/**
 * Debian's Chromium (`apt-get install -y chromium`) driven by playwright-core, started by the test itself. The
 * flags keep it from reaching for the network (this machine has none, and Chromium would wait on it) and the
 * profile is a fresh temporary folder, so no state leaks between runs.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium; .ci/run does)`;
}

/**
 * Launches headless Chromium with a fresh profile; `close()` also removes the profile.
 *
 * @example const { context, close } = await launchChromium(); const page = await context.newPage();
 */
export async function launchChromium({ width = 1400, height = 1000 } = {}): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(path.join(tmpdir(), 'strata-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
