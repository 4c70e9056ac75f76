// The SGX admission webhook of Intel's device plugins (pkg/webhooks/sgx/sgx.go, Mutator.Default):
// every container with sgx.intel.com/epc gets sgx.intel.com/enclave: 1 in its requests and limits
// (and sgx.intel.com/provision: 1 when the pod's sgx.intel.com/quote-provider annotation names it),
// and the pod gets the annotation sgx.intel.com/epc, the sum as a BinarySI quantity string.
import { ENCLAVE, EPC, PROVISION, requestOf, type Pod } from "./pod.js";
import { formatBinarySI, parseQuantity, type Quantity } from "./quantity.js";

const ONE = parseQuantity("1") as Quantity;

/** mutates `pod` in place as the webhook does at admission; returns the EPC sum in bytes */
export function mutateSgxPod(pod: Pod): bigint {
  let total = 0n;
  const quoteProvider = pod.annotations["sgx.intel.com/quote-provider"];
  for (const c of pod.containers) {
    if (!c.resources.limits.has(EPC) && !c.resources.requests.has(EPC)) continue;
    total += requestOf(c, EPC);
    if (quoteProvider === c.name) {
      c.resources.limits.set(PROVISION, ONE);
      c.resources.requests.set(PROVISION, ONE);
    }
    c.resources.limits.set(ENCLAVE, ONE);
    c.resources.requests.set(ENCLAVE, ONE);
  }
  if (total !== 0n) pod.annotations[EPC] = formatBinarySI(total);
  return total;
}
