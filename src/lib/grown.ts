// Growing a typed array: a copy of the same type with room for more entries (the rest zero).

export type TypedColumn = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** a copy of `a` with room for `length` entries */
export function grown<T extends TypedColumn>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}
