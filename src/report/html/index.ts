/**
 * report.html: one self-contained page (inline CSS, inline SVG figures, base64 PNG images, no
 * scripts and no external URLs), readable offline and printable.
 */

export interface Figure {
  id: string;
  caption: string;
  /** Inline SVG markup. */
  svg?: string;
  /** PNG bytes shown as a data: URL. */
  png?: Uint8Array;
  alt?: string;
}

export interface Row {
  label: string;
  value: string;
  truth?: string;
  diff?: string;
  note?: string;
}

export interface Section {
  id: string;
  title: string;
  intro?: string;
  tables?: { caption?: string; rows: Row[]; truthColumn?: boolean }[];
  figures?: Figure[];
  /** Free HTML blocks (already escaped by the caller). */
  html?: string[];
}

/** A warning shown above everything else on the page (e.g. low segmentation confidence). */
export interface Banner {
  title: string;
  items: string[];
  /** In-page anchor with the details. */
  link?: string;
}

export interface ReportPage {
  title: string;
  subtitle: string;
  /** Red banner at the very top, before the title. */
  banner?: Banner | null;
  sections: Section[];
  footer: string;
}

export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Strip the XML prolog / doctype of an SVG so it can be inlined in HTML. */
export function inlineSvg(svg: string): string {
  return svg.replace(/^\s*<\?xml[^>]*>\s*/, '').replace(/<!DOCTYPE[^>]*>\s*/i, '');
}

const CSS = `
:root { --ink:#1b1f24; --muted:#5b6570; --rule:#d9dee3; --accent:#3b5b92; --truth:#8a6d00; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); margin: 0; background: #f6f7f9; line-height: 1.45; }
header { background: #1f2d45; color: #fff; padding: 22px 32px; }
header h1 { margin: 0 0 6px; font-size: 24px; font-weight: 600; }
header p { margin: 0; color: #c9d3e3; font-size: 13px; }
nav { background: #fff; border-bottom: 1px solid var(--rule); padding: 8px 32px; font-size: 13px; position: sticky; top: 0; z-index: 2; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
main { max-width: 1180px; margin: 0 auto; padding: 10px 24px 40px; }
section { background: #fff; border: 1px solid var(--rule); border-radius: 6px; margin: 18px 0; padding: 14px 22px 18px; page-break-inside: avoid; }
h2 { font-size: 19px; margin: 4px 0 10px; color: #13213a; font-weight: 600; }
p.intro { color: var(--muted); margin: 0 0 12px; font-size: 14px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13.5px; min-width: 420px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; color: #13213a; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.truth, th.truth { color: var(--truth); }
td.note { color: var(--muted); font-size: 12.5px; }
tr.changed td:first-child::after { content: " ●"; color: #c0392b; font-size: 10px; }
.figs { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure { margin: 6px 0; max-width: 100%; }
figure svg, figure img { max-width: 100%; height: auto; display: block; }
figure.small img { width: 360px; }
/* map rasters stay pixel-exact in the browser (resvg reads the SVG attribute optimizeSpeed; it does not know CSS 'pixelated') */
figure svg image[image-rendering="optimizeSpeed"] { image-rendering: pixelated; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 4px; max-width: 640px; }
code { background: #f0f2f5; padding: 0 4px; border-radius: 3px; font-size: 12.5px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 14px; }
.banner { background: #b3261e; color: #fff; padding: 14px 32px; font-size: 14px; }
.banner strong { font-size: 16px; }
.banner ul { margin: 6px 0 0; padding-left: 22px; }
.banner a { color: #fff; }
@media print { nav { display: none; } body { background: #fff; } section { border: none; } }
`;

function tableHtml(t: { caption?: string; rows: Row[]; truthColumn?: boolean }): string {
  const truth = t.truthColumn ?? t.rows.some((r) => r.truth !== undefined);
  const hasNote = t.rows.some((r) => r.note);
  const head = `<tr><th>quantity</th><th>measured</th>${truth ? '<th class="truth">ground truth</th><th>measured − truth</th>' : ''}${hasNote ? '<th></th>' : ''}</tr>`;
  const body = t.rows
    .map(
      (r) =>
        `<tr><td>${esc(r.label)}</td><td class="num">${esc(r.value)}</td>${truth ? `<td class="num truth">${esc(r.truth ?? '—')}</td><td class="num">${esc(r.diff ?? '—')}</td>` : ''}${hasNote ? `<td class="note">${esc(r.note ?? '')}</td>` : ''}</tr>`,
    )
    .join('\n');
  return `<table>${t.caption ? `<caption>${esc(t.caption)}</caption>` : ''}<thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

function figureHtml(f: Figure): string {
  const content = f.svg
    ? inlineSvg(f.svg)
    : f.png
      ? `<img alt="${esc(f.alt ?? f.caption)}" src="data:image/png;base64,${Buffer.from(f.png).toString('base64')}">`
      : '';
  return `<figure id="fig-${esc(f.id)}"${f.png && !f.svg ? ' class="small"' : ''}>${content}<figcaption>${esc(f.caption)}</figcaption></figure>`;
}

export function bannerHtml(b: Banner): string {
  const more = b.link ? ` <a href="${esc(b.link)}">details</a>` : '';
  return `<div class="banner" role="alert"><strong>${esc(b.title)}</strong>${more}<ul>${b.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul></div>`;
}

export function renderReportHtml(page: ReportPage): string {
  const nav = page.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('');
  const sections = page.sections
    .map((s) =>
      [
        `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>`,
        s.intro ? `<p class="intro">${esc(s.intro)}</p>` : '',
        ...(s.tables ?? []).map(tableHtml),
        s.figures?.length ? `<div class="figs">${s.figures.map(figureHtml).join('\n')}</div>` : '',
        ...(s.html ?? []),
        '</section>',
      ].join('\n'),
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(page.title)}</title>
<style>${CSS}</style>
</head>
<body>
${page.banner ? bannerHtml(page.banner) : ''}<header><h1>${esc(page.title)}</h1><p>${esc(page.subtitle)}</p></header>
<nav>${nav}</nav>
<main>
${sections}
</main>
<footer>${esc(page.footer)}</footer>
</body>
</html>
`;
}

/** Parameter table: key, value, default, description; changed rows marked. */
export function configTableHtml(rows: { key: string; value: unknown; default: unknown; changed: boolean; doc: string }[]): string {
  const fmt = (v: unknown) => (v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));
  const body = rows
    .map((r) => `<tr${r.changed ? ' class="changed"' : ''}><td><code>${esc(r.key)}</code></td><td class="num">${esc(fmt(r.value))}</td><td class="num">${esc(fmt(r.default))}</td><td class="note">${esc(r.doc)}</td></tr>`)
    .join('\n');
  return `<table><caption>Effective configuration (● = differs from the default)</caption><thead><tr><th>key</th><th>value</th><th>default</th><th>meaning</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A plain key/value table from arbitrary rows of cells. */
export function gridTableHtml(caption: string, head: string[], rows: (string | number)[][]): string {
  return `<table><caption>${esc(caption)}</caption><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${i > 0 ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('\n')}\n</tbody></table>`;
}
