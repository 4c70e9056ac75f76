// The simulator's event queue: a binary min-heap of (time, sequence) keys over typed arrays. The
// sequence number makes the order of events at equal times deterministic (first scheduled, first run).

export class EventQueue {
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private ids = new Int32Array(64);
  private n = 0;
  private nextSeq = 0;

  get size(): number {
    return this.n;
  }

  /** time of the earliest event, or Infinity */
  peekTime(): number {
    return this.n > 0 ? (this.times[0] as number) : Infinity;
  }

  push(time: number, id: number): void {
    if (this.n === this.times.length) this.growTo(this.n * 2);
    const seq = this.nextSeq++;
    let i = this.n++;
    const times = this.times;
    const seqs = this.seqs;
    const ids = this.ids;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < time || (pt === time && (seqs[parent] as number) < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent] as number;
      ids[i] = ids[parent] as number;
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    ids[i] = id;
  }

  /** removes the earliest event and returns its id (-1 when empty) */
  pop(): number {
    if (this.n === 0) return -1;
    const times = this.times;
    const seqs = this.seqs;
    const ids = this.ids;
    const top = ids[0] as number;
    const last = --this.n;
    const t = times[last] as number;
    const s = seqs[last] as number;
    const id = ids[last] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      const r = c + 1;
      if (r < last) {
        const ct = times[c] as number;
        const rt = times[r] as number;
        if (rt < ct || (rt === ct && (seqs[r] as number) < (seqs[c] as number))) c = r;
      }
      const ct = times[c] as number;
      if (t < ct || (t === ct && s < (seqs[c] as number))) break;
      times[i] = ct;
      seqs[i] = seqs[c] as number;
      ids[i] = ids[c] as number;
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    ids[i] = id;
    return top;
  }

  private growTo(cap: number): void {
    const t = new Float64Array(cap);
    t.set(this.times);
    const s = new Float64Array(cap);
    s.set(this.seqs);
    const d = new Int32Array(cap);
    d.set(this.ids);
    this.times = t;
    this.seqs = s;
    this.ids = d;
  }
}
