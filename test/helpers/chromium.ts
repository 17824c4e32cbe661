/**
 * Headless Chromium for the browser tests (Debian's `chromium`, or CHROMIUM_PATH): whether it is here,
 * and how it is launched. CAMPUS_PAY_REQUIRE_CHROMIUM=1 (CI) turns its absence into a failure.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether Chromium is installed; warns (naming `what` is skipped) or throws when CI requires it. */
export function chromiumAvailable(what: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available && process.env.CAMPUS_PAY_REQUIRE_CHROMIUM)
    throw new Error(`Chromium is required here but ${CHROMIUM} is missing`);
  if (!available)
    console.warn(
      `${what} skipped: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  return available;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
