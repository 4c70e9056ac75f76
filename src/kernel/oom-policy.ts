// How the v5 EPC OOM path picks a victim enclave. `list-order` is the series' code (the head of the
// first unreclaimable list in pre-order that yields one); the others are alternatives reviewers and
// users asked about. A policy hands candidates (each with a reference held) to `oomEncl`, which
// takes the enclave's memory and says whether that counts as a kill, and returns whether it did.
import type { Cgroup } from "../cgroup/misc.js";
import type { Encl } from "./encl.js";
import { OWNER_ENCL_PAGE, OWNER_VA, type FrameList } from "./epc-page.js";
import { SGX_ENCL_CREATED, SGX_ENCL_NO_MEMORY } from "./sgx.js";
import type { Sgx } from "./state.js";

export interface OomVictimPolicy {
  readonly name: string;
  /** sgx_epc_cgroup_oom(root) under this policy: true when a victim was (or is being) dealt with */
  oom(sgx: Sgx, root: Cgroup, oomEncl: (encl: Encl) => boolean): boolean;
}

/** the enclave a SECS or VA frame belongs to */
export function enclOfFrame(sgx: Sgx, frame: number): Encl | undefined {
  const kind = sgx.pages.ownerKind(frame);
  const owner = sgx.pages.ownerOf(frame);
  const id = kind === OWNER_VA ? sgx.vaPages.encl[owner] : kind === OWNER_ENCL_PAGE ? sgx.enclPages.enclOf(owner) : -1;
  return id === undefined || id < 0 ? undefined : sgx.encls[id];
}

/** mirrors sgx_oom_get_victim(): unlink entries from the head until one's enclave can be referenced */
function victimFromList(sgx: Sgx, list: FrameList): Encl | null {
  while (!list.isEmpty()) {
    const encl = enclOfFrame(sgx, list.popHead());
    if (encl !== undefined && !encl.released && encl.refcount > 0) {
      encl.refcount++;
      return encl;
    }
  }
  return null;
}

/** the series: sgx_epc_cgroup_oom() walks subtree(root) in pre-order and takes the first list head */
const listOrder: OomVictimPolicy = {
  name: "list-order",
  oom(sgx, root, oomEncl) {
    for (const c of sgx.cgroups.subtree(root)) {
      const list = sgx.unreclaimables[c.id];
      if (list === undefined) continue;
      // sgx_epc_oom(): one victim from this list
      const encl = victimFromList(sgx, list);
      if (encl !== null && oomEncl(encl)) return true;
    }
    return false;
  },
};

/** live, created enclaves with EPC charged in subtree(root), with their charged page counts */
function candidates(sgx: Sgx, root: Cgroup): Map<Encl, number> {
  const inTree = new Set(sgx.cgroups.subtree(root).map((c) => c.id + 1));
  const counts = new Map<Encl, number>();
  const pages = sgx.pages;
  for (let f = 0; f < sgx.totalPages; f++) {
    if (!inTree.has(sgx.frameCg(f))) continue;
    const kind = pages.ownerKind(f);
    const owner = pages.ownerOf(f);
    const id = kind === OWNER_VA ? sgx.vaPages.encl[owner] : kind === OWNER_ENCL_PAGE ? sgx.enclPages.enclOf(owner) : -1;
    const encl = id === undefined || id < 0 ? undefined : sgx.encls[id];
    if (encl === undefined || encl.released || encl.refcount === 0 || (encl.flags & SGX_ENCL_CREATED) === 0) continue;
    counts.set(encl, (counts.get(encl) ?? 0) + 1);
  }
  return counts;
}

/** a policy that scores candidates; an earlier victim still alive makes it wait (pick none) */
function scored(name: string, better: (a: Encl, ac: number, b: Encl, bc: number) => boolean): OomVictimPolicy {
  return {
    name,
    oom(sgx, root, oomEncl) {
      let best: Encl | null = null;
      let bestCount = 0;
      for (const [encl, count] of candidates(sgx, root)) {
        // an earlier victim has not exited yet: wait for it, as the memcg OOM killer does. Nothing
        // more is done now (false), so the work item ends instead of spinning; the victim's exit
        // uncharges, and the next refused charge queues the work again.
        if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) return false;
        if (best === null || better(encl, count, best, bestCount)) {
          best = encl;
          bestCount = count;
        }
      }
      if (best === null) return false;
      best.refcount++;
      return oomEncl(best);
    },
  };
}

export const oomVictimPolicies: Record<string, OomVictimPolicy> = {
  "list-order": listOrder,
  // the enclave holding the most charged EPC (ties: the older enclave)
  "most-epc": scored("most-epc", (a, ac, b, bc) => ac > bc || (ac === bc && a.id < b.id)),
  // the enclave that ran least recently (ties: the older enclave)
  "least-recently-active": scored("least-recently-active", (a, _ac, b) => a.lastActiveNs < b.lastActiveNs || (a.lastActiveNs === b.lastActiveNs && a.id < b.id)),
};
