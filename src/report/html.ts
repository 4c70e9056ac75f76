// report.html: one self-contained page (placeholder until the charts land).
import type { RunRecording } from "./outputs.js";

export interface ReportInput {
  title: string;
  variants: RunRecording[];
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function renderReportHtml(input: ReportInput): Promise<string> {
  const body = input.variants.map((v) => `<h2>${escapeHtml(v.label)}</h2><pre>${escapeHtml(v.scenarioText)}</pre>`).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title></head><body>${body}</body></html>\n`;
}
