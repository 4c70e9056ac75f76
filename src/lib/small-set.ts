// A set of a few objects in an array: the tasks inside one enclave are one or two, and a Set's hashing
// cost more than a scan on the fault path (every AEX leaves the set). Order is not kept.

export class SmallSet<T> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return this.items.indexOf(item) >= 0;
  }

  add(item: T): void {
    if (this.items.indexOf(item) < 0) this.items.push(item);
  }

  delete(item: T): boolean {
    const items = this.items;
    const i = items.indexOf(item);
    if (i < 0) return false;
    const last = items.pop() as T;
    if (i < items.length) items[i] = last;
    return true;
  }

  /** adds every item of `other` */
  addAll(other: SmallSet<T>): void {
    const from = other.items;
    for (let i = 0; i < from.length; i++) this.add(from[i] as T);
  }
}
