// Rendering a vega-lite spec to an SVG string at build time (headless vega view, renderer "none"),
// made fit to sit inline in report.html: ids unique per chart, a <title> per mark, no namespaces.
import type { TopLevelSpec } from "vega-lite";

// vega and vega-lite take about half a second to load: only a run that draws a chart pays for them
let renderers: Promise<[typeof import("vega"), typeof import("vega-lite")]> | null = null;
function loadRenderers(): Promise<[typeof import("vega"), typeof import("vega-lite")]> {
  renderers ??= Promise.all([import("vega"), import("vega-lite")]);
  return renderers;
}

/** vega numbers clip paths and gradients globally; give each chart its own ids so that several SVGs on one page never collide and the same input always gives the same ids */
function renumberIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  return svg.replace(/\bid="([^"]+)"|url\(#([^)]+)\)|href="#([^"]+)"/g, (m, a: string | undefined, b: string | undefined, c: string | undefined) => {
    const old = (a ?? b ?? c) as string;
    let id = map.get(old);
    if (id === undefined) {
      id = `${prefix}-${map.size + 1}`;
      map.set(old, id);
    }
    if (a !== undefined) return `id="${id}"`;
    if (b !== undefined) return `url(#${id})`;
    return m.replace(`#${c}`, `#${id}`);
  });
}

/** static SVG has no tooltips; give every mark vega described (aria-label) a <title>, which browsers show on hover */
function addTitles(svg: string): string {
  return svg.replace(/<(path|rect|line)( [^>]*?aria-roledescription="(?:point|bar|rect|symbol)[^"]*"[^>]*?)\/>/g, (m, tag: string, attrs: string) => {
    const label = /aria-label="([^"]*)"/.exec(attrs)?.[1];
    return label === undefined ? m : `<${tag}${attrs}><title>${label}</title></${tag}>`;
  });
}

/**
 * SVG inline in HTML needs no namespace declarations (the HTML parser supplies them); dropping them
 * leaves the page without a single URL, so no check for network references has to special-case them
 */
function dropNamespaces(svg: string): string {
  return svg.replace(/ xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, "");
}

export async function renderSpec(spec: TopLevelSpec, name: string): Promise<string> {
  const [vega, vegaLite] = await loadRenderers();
  const vgSpec = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return addTitles(renumberIds(dropNamespaces(svg), `${name}-def`));
  } finally {
    view.finalize();
  }
}
