// containerd's NRI sgx-epc plugin (containers/nri-plugins, cmd/plugins/sgx-epc): at CreateContainer
// it writes misc.max = "sgx_epc <n>" into the container's cgroup (never the pod's), n taken from the
// first annotation present of epc-limit.nri.io/container.<name>, epc-limit.nri.io/pod and
// epc-limit.nri.io, parsed as a base-10 uint64 (strconv.ParseUint). 0 writes nothing; a value that
// does not parse fails CreateContainer, so the container is never created.

export const NRI_KEY = "epc-limit.nri.io";

export type NriLimit =
  | { kind: "none" }
  | { kind: "limit"; bytes: bigint; annotation: string }
  | { kind: "error"; annotation: string; value: string };

const U64_MAX = (1n << 64n) - 1n;

export function nriEpcLimit(annotations: Record<string, string>, container: string): NriLimit {
  for (const key of [`${NRI_KEY}/container.${container}`, `${NRI_KEY}/pod`, NRI_KEY]) {
    const value = annotations[key];
    if (value === undefined) continue;
    if (!/^[0-9]+$/.test(value) || BigInt(value) > U64_MAX) return { kind: "error", annotation: key, value };
    const bytes = BigInt(value);
    return bytes === 0n ? { kind: "none" } : { kind: "limit", bytes, annotation: key };
  }
  return { kind: "none" };
}
