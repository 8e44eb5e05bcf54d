/**
 * How the e2e tests find things in the window: by data-testid, and a side
 * panel opened by its tab (waiting until its panel is shown).
 */
import type { Locator, Page } from 'playwright-core';

export const byTestId = (scope: Page | Locator, id: string): Locator => scope.locator(`[data-testid="${id}"]`);

export async function openTab(page: Page, id: string): Promise<void> {
  await byTestId(page, `tab-${id}`).click();
  await page.locator(`#tabpanel-${id}`).waitFor({ state: 'visible' });
}
