// The run page's live charts: vega-lite specs with a named dataset ("points"), compiled in the page
// and drawn by vega as SVG, updated in place (view.change) as the stream brings samples and events.
// They draw the recording's own data: timeseries.csv's rows (EPC per cgroup against misc.max, free
// pages against ksgxd's watermarks, paging per cgroup) and events.jsonl's process events (the
// timeline, with each exit's cause). Long runs are merged down to at most MAX_ROWS rows, as the
// report merges them (lowest free count, highest usage, last limit, summed counts).
"use strict";

const MAX_ROWS = 1200;
const WIDTH = 470;
/** vega's tableau10 */
const PALETTE = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"];

/** merges b (the later row) into a copy of a */
function mergeRow(a, b) {
  const m = { timeNs: b.timeNs, freePages: Math.min(a.freePages, b.freePages), counts: { ...a.counts }, cgroups: {} };
  for (const [k, n] of Object.entries(b.counts)) m.counts[k] = (m.counts[k] ?? 0) + n;
  const paths = new Set([...Object.keys(a.cgroups), ...Object.keys(b.cgroups)]);
  for (const p of paths) {
    const x = a.cgroups[p];
    const y = b.cgroups[p];
    if (x === undefined || y === undefined) {
      m.cgroups[p] = y ?? x;
      continue;
    }
    const paging = { ...x.paging };
    for (const [k, n] of Object.entries(y.paging)) paging[k] = (paging[k] ?? 0) + n;
    m.cgroups[p] = { misc: Math.max(x.misc, y.misc), max: y.max, memory: Math.max(x.memory, y.memory), memoryMax: y.memoryMax, attributed: Math.max(x.attributed, y.attributed), paging };
  }
  return m;
}

class RunCharts {
  constructor(meta) {
    this.container = null;
    this.meta = meta;
    this.rows = [];
    /** rows merged into each kept row */
    this.per = 1;
    this.pending = null;
    this.processes = new Map();
    this.nowNs = 0;
    this.views = {};
    this.dirty = false;
    this.ready = Promise.resolve();
  }

  /** draws into `container` (a compare page shows one variant at a time) */
  attach(container) {
    this.container = container;
    this.dirty = true;
    this.ready = this.build();
    return this.ready;
  }

  detach() {
    this.finalize();
    this.container = null;
  }

  addRows(rows) {
    for (const r of rows) {
      if (this.pending === null) this.pending = { row: r, n: 1 };
      else this.pending = { row: mergeRow(this.pending.row, r), n: this.pending.n + 1 };
      if (this.pending.n >= this.per) {
        this.rows.push(this.pending.row);
        this.pending = null;
      }
      if (this.rows.length > MAX_ROWS) {
        const merged = [];
        for (let i = 0; i < this.rows.length; i += 2) merged.push(i + 1 < this.rows.length ? mergeRow(this.rows[i], this.rows[i + 1]) : this.rows[i]);
        this.rows = merged;
        this.per *= 2;
      }
      this.nowNs = Math.max(this.nowNs, r.timeNs);
    }
    this.dirty = true;
  }

  addEvents(events) {
    for (const e of events) {
      if (e.type === "process-start") this.processes.set(e.process, { name: e.process, cgroup: e.cgroup, start: e.atNs, end: null, exit: null });
      else if (e.type === "process-exit") {
        const p = this.processes.get(e.process) ?? { name: e.process, cgroup: "", start: 0 };
        const why = e.cause !== null ? causeLabel(e.cause) : e.errno !== null ? `${e.op}: ${e.errno}` : "";
        p.end = e.atNs;
        p.exit = { code: e.exitCode, signal: e.signal, why };
        this.processes.set(e.process, p);
      }
      this.nowNs = Math.max(this.nowNs, e.atNs);
    }
    this.dirty = true;
  }

  setNow(ns) {
    if (ns > this.nowNs) {
      this.nowNs = ns;
      this.dirty = true;
    }
  }

  unit() {
    const max = Math.max(this.nowNs, this.meta.untilNs ?? 0);
    return max >= 10e9 ? { ns: 1e9, name: "s" } : { ns: 1e6, name: "ms" };
  }

  rowsForCharts() {
    return this.pending === null ? this.rows : [...this.rows, this.pending.row];
  }

  usageValues(u) {
    const out = [];
    const total = this.meta.totalPages;
    const attributed = this.meta.kernel === "mainline";
    for (const r of this.rowsForCharts()) {
      const t = r.timeNs / u.ns;
      out.push({ series: "all EPC", line: "in use", t, mib: ((total - r.freePages) * 4096) / MIB });
      out.push({ series: "all EPC", line: "limit", t, mib: (total * 4096) / MIB });
      for (const [path, c] of Object.entries(r.cgroups)) {
        if (path === "/" && attributed) continue;
        out.push({ series: path, line: "in use", t, mib: (attributed ? c.attributed : c.misc) / MIB });
        if (c.max !== null) out.push({ series: path, line: "limit", t, mib: c.max / MIB });
      }
    }
    return out;
  }

  freeValues(u) {
    return this.rowsForCharts().map((r) => ({ t: r.timeNs / u.ns, free: r.freePages }));
  }

  pagingValues(u) {
    const out = [];
    let prev = 0;
    for (const r of this.rowsForCharts()) {
      const dt = (r.timeNs - prev) / 1e9;
      prev = r.timeNs;
      if (dt <= 0) continue;
      const t = r.timeNs / u.ns;
      for (const [path, c] of Object.entries(r.cgroups)) {
        out.push({ cgroup: path, kind: "written back (EWB)", t, rate: (c.paging.ewb_pages ?? 0) / dt });
        out.push({ cgroup: path, kind: "loaded back (ELDU)", t, rate: (c.paging.eldu ?? 0) / dt });
      }
    }
    return out;
  }

  timelineValues(u) {
    return [...this.processes.values()].map((p) => {
      const outcome = p.exit === null ? "running" : p.exit.code === 0 && p.exit.signal === null ? "exited normally" : "ended badly";
      const label = p.exit === null ? "running" : `exit ${p.exit.code}${p.exit.signal !== null ? ` ${p.exit.signal}` : ""}${p.exit.why !== "" ? ` — ${p.exit.why}` : ""}`;
      return { process: p.name, start: p.start / u.ns, end: (p.end ?? this.nowNs) / u.ns, outcome, label };
    });
  }

  /** the series the charts' legends list: a new one (a cgroup created during the run) rebuilds the views */
  seriesKey(u) {
    const usage = [...new Set(this.usageValues(u).map((v) => v.series))];
    const cgroups = [...new Set(this.pagingValues(u).map((v) => v.cgroup))];
    // one colour per cgroup in both charts, by order of first appearance in either
    const all = [...usage, ...cgroups.filter((c) => !usage.includes(c))];
    const colour = (name) => PALETTE[all.indexOf(name) % PALETTE.length];
    return { key: `${u.name}\0${all.join("\0")}`, usage: { domain: usage, range: usage.map(colour) }, paging: { domain: cgroups, range: cgroups.map(colour) } };
  }

  async build() {
    const u = this.unit();
    const series = this.seriesKey(u);
    this.builtKey = series.key;
    const x = { field: "t", type: "quantitative", title: `simulated time (${u.name})`, scale: { domainMin: 0 } };
    const cfg = { view: { stroke: null }, axis: { grid: true, gridColor: "#eee" }, legend: { orient: "bottom", columns: 3 } };
    const low = this.meta.lowPages;
    const high = this.meta.highPages;
    const specs = {
      usage: {
        title: { text: "EPC per cgroup against its limit", subtitle: this.meta.kernel === "mainline" ? "mainline has no sgx_epc: the EPC epcsim attributes per cgroup; the whole EPC against its size" : "misc.current of sgx_epc (solid), misc.max (dashed); the whole EPC against its size" },
        data: { name: "points" },
        mark: { type: "line", interpolate: "step-after" },
        encoding: { x, y: { field: "mib", type: "quantitative", title: "EPC (MiB)" }, color: { field: "series", type: "nominal", title: "cgroup", scale: series.usage }, strokeDash: { field: "line", type: "nominal", title: "line", scale: { domain: ["in use", "limit"], range: [[1, 0], [6, 4]] } } },
      },
      free: {
        title: { text: "Free EPC pages against ksgxd's watermarks", subtitle: "sgx_nr_free_pages (lowest within each point), symmetric-log scale" },
        layer: [
          { data: { values: [{ free: low, label: `SGX_NR_LOW_PAGES = ${low}: ksgxd wakes below` }, { free: high, label: `SGX_NR_HIGH_PAGES = ${high}: ksgxd reclaims up to` }] }, mark: { type: "rule", strokeDash: [5, 4], color: "#d62728" }, encoding: { y: { field: "free", type: "quantitative" } } },
          { data: { values: [{ free: low, label: `SGX_NR_LOW_PAGES = ${low}` }, { free: high, label: `SGX_NR_HIGH_PAGES = ${high}` }] }, mark: { type: "text", align: "left", baseline: "bottom", dy: -2, color: "#d62728", fontSize: 10 }, encoding: { y: { field: "free", type: "quantitative" }, x: { value: 4 }, text: { field: "label" } } },
          { data: { name: "points" }, mark: { type: "line", interpolate: "step-after", color: "#1f77b4" }, encoding: { x, y: { field: "free", type: "quantitative", title: "free pages (4 KiB)", scale: { type: "symlog", constant: 8, domain: [0, Math.max(64, this.meta.totalPages)], nice: false } } } },
        ],
      },
      paging: {
        title: { text: "Paging per cgroup", subtitle: "pages/s written back (EWB) and loaded back (ELDU); a cgroup counts its descendants" },
        data: { name: "points" },
        mark: { type: "line", interpolate: "step-after" },
        encoding: { x, y: { field: "rate", type: "quantitative", title: "pages/s" }, color: { field: "cgroup", type: "nominal", title: "cgroup", scale: series.paging }, strokeDash: { field: "kind", type: "nominal", title: "paging", scale: { domain: ["written back (EWB)", "loaded back (ELDU)"], range: [[1, 0], [4, 3]] } } },
      },
      timeline: {
        title: { text: "Process timeline", subtitle: "from start to exit; how each ended, with its cause" },
        data: { name: "points" },
        layer: [
          { mark: { type: "bar", height: 14 }, encoding: { y: { field: "process", type: "nominal", title: null, sort: null }, x: { field: "start", type: "quantitative", title: `simulated time (${u.name})`, scale: { domainMin: 0 } }, x2: { field: "end" }, color: { field: "outcome", type: "nominal", title: "outcome", scale: { domain: ["running", "exited normally", "ended badly"], range: ["#9ecae1", "#74c476", "#fd8d3c"] } }, tooltip: [{ field: "process" }, { field: "label", title: "how it ended" }] } },
          { mark: { type: "text", align: "left", dx: 4, fontSize: 10 }, encoding: { y: { field: "process", type: "nominal", sort: null }, x: { field: "end", type: "quantitative" }, text: { field: "label" } } },
        ],
      },
    };
    this.container.innerHTML = Object.keys(specs).map((name) => `<figure class="chart" data-chart="${name}"><div class="view"></div></figure>`).join("");
    for (const [name, spec] of Object.entries(specs)) {
      const full = { width: WIDTH, height: 220, config: cfg, ...spec };
      // the timeline's bars leave room on the right for how each process ended
      if (name === "timeline") Object.assign(full, { height: { step: 22 }, width: WIDTH - 170 });
      const compiled = vegaLite.compile(full).spec;
      const view = new vega.View(vega.parse(compiled), { renderer: "svg", container: this.container.querySelector(`[data-chart="${name}"] .view`), hover: true });
      await view.runAsync();
      this.views[name] = view;
    }
  }

  /** redraws the charts whose data changed; returns when they are drawn */
  async render() {
    await this.ready;
    if (!this.dirty || this.container === null) return;
    this.dirty = false;
    if (this.seriesKey(this.unit()).key !== this.builtKey) {
      for (const v of Object.values(this.views)) v.finalize();
      this.views = {};
      this.ready = this.build();
      await this.ready;
    }
    const u = this.unit();
    const data = { usage: this.usageValues(u), free: this.freeValues(u), paging: this.pagingValues(u), timeline: this.timelineValues(u) };
    await Promise.all(
      Object.entries(data).map(([name, values]) => {
        const fig = this.container.querySelector(`[data-chart="${name}"]`);
        fig.dataset.points = String(values.length);
        return this.views[name].change("points", vega.changeset().remove(() => true).insert(values)).resize().runAsync();
      }),
    );
    this.container.dataset.renders = String(Number(this.container.dataset.renders ?? 0) + 1);
  }

  finalize() {
    for (const v of Object.values(this.views)) v.finalize();
    this.views = {};
  }
}
