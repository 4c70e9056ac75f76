// A map from int32 keys to numbers for the few entries a SECS has blocked at once (a reclaim batch's
// 16 pages): a scan of two small typed arrays beats a Map's hashing on the EBLOCK/EWB path. Past
// SCAN_LIMIT entries (blocked frames left behind by failures) it moves them into a Map.

const SCAN_LIMIT = 64;

export class SmallIntMap {
  private keys = new Int32Array(16);
  private values = new Float64Array(16);
  private n = 0;
  private big: Map<number, number> | null = null;

  get size(): number {
    return this.big === null ? this.n : this.big.size;
  }

  private find(key: number): number {
    const keys = this.keys;
    for (let i = 0; i < this.n; i++) if (keys[i] === key) return i;
    return -1;
  }

  get(key: number): number | undefined {
    if (this.big !== null) return this.big.get(key);
    const i = this.find(key);
    return i < 0 ? undefined : this.values[i];
  }

  set(key: number, value: number): void {
    if (this.big !== null) {
      this.big.set(key, value);
      return;
    }
    const i = this.find(key);
    if (i >= 0) {
      this.values[i] = value;
      return;
    }
    if (this.n === SCAN_LIMIT) {
      this.big = new Map();
      for (let k = 0; k < this.n; k++) this.big.set(this.keys[k] as number, this.values[k] as number);
      this.big.set(key, value);
      return;
    }
    if (this.n === this.keys.length) {
      const keys = new Int32Array(this.n * 2);
      keys.set(this.keys);
      this.keys = keys;
      const values = new Float64Array(this.n * 2);
      values.set(this.values);
      this.values = values;
    }
    this.keys[this.n] = key;
    this.values[this.n] = value;
    this.n++;
  }

  delete(key: number): boolean {
    if (this.big !== null) return this.big.delete(key);
    const i = this.find(key);
    if (i < 0) return false;
    const last = --this.n;
    this.keys[i] = this.keys[last] as number;
    this.values[i] = this.values[last] as number;
    return true;
  }
}
