/**
 * The cache-hit chart: latency against cache size, log-log, one line per library, drawn as SVG and
 * rendered to PNG by Debian's Chromium (playwright-core, no browser download).
 */
import { writeFileSync } from "node:fs";

export interface Series {
  name: string;
  color: string;
  points: Array<{ n: number; us: number }>;
}

export function chartSvg(title: string, series: Series[]): string {
  const W = 720;
  const H = 440;
  const m = { left: 80, right: 30, top: 50, bottom: 60 };
  const xs = series.flatMap((s) => s.points.map((p) => p.n));
  const ys = series.flatMap((s) => s.points.map((p) => p.us));
  const x0 = Math.floor(Math.log10(Math.min(...xs)));
  const x1 = Math.ceil(Math.log10(Math.max(...xs)));
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.ceil(Math.log10(Math.max(...ys)));
  const px = (n: number): number => m.left + ((Math.log10(n) - x0) / Math.max(1, x1 - x0)) * (W - m.left - m.right);
  const py = (us: number): number =>
    H - m.bottom - ((Math.log10(us) - y0) / Math.max(1, y1 - y0)) * (H - m.top - m.bottom);
  const parts: string[] = [];
  for (let e = x0; e <= x1; e++) {
    parts.push(`<line x1="${px(10 ** e)}" y1="${m.top}" x2="${px(10 ** e)}" y2="${H - m.bottom}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${px(10 ** e)}" y="${H - m.bottom + 20}" text-anchor="middle" font-size="12">${(10 ** e).toLocaleString("en-US")}</text>`,
    );
  }
  for (let e = y0; e <= y1; e++) {
    const label = 10 ** e >= 1000 ? `${10 ** (e - 3)} ms` : `${10 ** e} µs`;
    parts.push(`<line x1="${m.left}" y1="${py(10 ** e)}" x2="${W - m.right}" y2="${py(10 ** e)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 8}" y="${py(10 ** e) + 4}" text-anchor="end" font-size="12">${label}</text>`);
  }
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j === 0 ? "M" : "L"}${px(p.n).toFixed(1)},${py(p.us).toFixed(1)}`).join(" ");
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="3"/>`);
    for (const p of s.points) parts.push(`<circle cx="${px(p.n)}" cy="${py(p.us)}" r="4" fill="${s.color}"/>`);
    parts.push(
      `<rect x="${m.left + 12}" y="${m.top + 8 + i * 22}" width="14" height="4" fill="${s.color}"/><text x="${m.left + 32}" y="${m.top + 14 + i * 22}" font-size="13">${s.name}</text>`,
    );
  });
  parts.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${title}</text>`);
  parts.push(
    `<text x="${W / 2}" y="${H - 15}" text-anchor="middle" font-size="13">cached app tokens (log scale)</text>`,
  );
  parts.push(
    `<text x="18" y="${H / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 18 ${H / 2})">time per cache hit (log scale)</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join("")}</svg>`;
}

/** Renders an SVG to a PNG file with headless Chromium. */
export async function renderPng(svg: string, path: string): Promise<void> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 720, height: 440 } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    writeFileSync(path, await page.locator("svg").screenshot());
  } finally {
    await browser.close();
  }
}
