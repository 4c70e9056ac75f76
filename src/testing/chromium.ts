// Headless Chromium for the browser tests (Debian's chromium package, driven by playwright-core):
// where it is, why a test is skipped when it is not, and a fresh profile with no background network.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";

/** CHROMIUM_PATH when set (and then only it), else Debian's /usr/bin/chromium */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : null;
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : null;
}

export const chromiumPath = findChromium();

/** false, or the sentence a skipped browser test prints */
export const skipWithoutChromium: false | string =
  chromiumPath !== null
    ? false
    : process.env.CHROMIUM_PATH
      ? `browser test skipped because Chromium is not installed at CHROMIUM_PATH=${process.env.CHROMIUM_PATH}`
      : "browser test skipped because Chromium is not installed (no /usr/bin/chromium; .ci/run installs it, or set CHROMIUM_PATH)";

/** headless Chromium with a fresh profile and no background network */
export async function launchChromium(): Promise<{ context: BrowserContext; userDataDir: string }> {
  const { chromium } = await import("playwright-core");
  const userDataDir = mkdtempSync(join(tmpdir(), "epcsim-chromium-"));
  const args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath as string, args, viewport: { width: 1200, height: 900 } });
  return { context, userDataDir };
}
