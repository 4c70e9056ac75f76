// Architectural constants of SGX (asm/sgx.h, the SDM): page size, EPCM page types, SECINFO
// permissions, ENCLS return codes and leaves, SECS attributes, the EEXTEND and VA geometry. They
// belong to the hardware, so the EPCM model and the driver both import them from here.

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
export const SGX_EEXTEND_BLOCK_SIZE = 256;
export const SGX_EEXTEND_PER_PAGE = PAGE_SIZE / SGX_EEXTEND_BLOCK_SIZE;
/** version slots per VA page */
export const SGX_VA_SLOT_COUNT = 512;
/** bytes of one PCMD (page crypto metadata) */
export const PCMD_SIZE = 128;

// enum sgx_page_type
export const SGX_PAGE_TYPE_SECS = 0;
export const SGX_PAGE_TYPE_TCS = 1;
export const SGX_PAGE_TYPE_REG = 2;
export const SGX_PAGE_TYPE_VA = 3;
export const SGX_PAGE_TYPE_TRIM = 4;
export const PAGE_TYPE_NAMES = ["SECS", "TCS", "REG", "VA", "TRIM"] as const;

// SECINFO permission bits, also used as vm_max_prot_bits (VM_READ/VM_WRITE/VM_EXEC)
export const PROT_R = 1;
export const PROT_W = 2;
export const PROT_X = 4;

// enum sgx_return_code (only the codes the driver reacts to, plus the ones our EPCM model returns)
export const SGX_SUCCESS = 0;
export const SGX_INVALID_SIG_STRUCT = 1;
export const SGX_INVALID_ATTRIBUTE = 2;
export const SGX_BLKSTATE = 3;
export const SGX_INVALID_MEASUREMENT = 4;
export const SGX_NOTBLOCKABLE = 5;
export const SGX_PG_INVLD = 6;
export const SGX_EPC_PAGE_CONFLICT = 7;
export const SGX_INVALID_SIGNATURE = 8;
export const SGX_MAC_COMPARE_FAIL = 9;
export const SGX_PAGE_NOT_BLOCKED = 10;
export const SGX_NOT_TRACKED = 11;
export const SGX_VA_SLOT_OCCUPIED = 12;
export const SGX_CHILD_PRESENT = 13;
export const SGX_ENCLAVE_ACT = 14;
export const SGX_ENTRYEPOCH_LOCKED = 15;
export const SGX_INVALID_EINITTOKEN = 16;
export const SGX_PREV_TRK_INCMPL = 17;
export const SGX_PG_IS_SECS = 18;
export const SGX_PAGE_NOT_MODIFIABLE = 20;
export const SGX_UNMASKED_EVENT = 128;
/** ENCLS faulted; the low bits hold the trap number */
export const SGX_ENCLS_FAULT_FLAG = 0x40000000;
export const X86_TRAP_GP = 13;
export const X86_TRAP_PF = 14;

// SECS attributes
export const SGX_ATTR_DEBUG = 1n << 1n;
export const SGX_ATTR_MODE64BIT = 1n << 2n;
export const SGX_ATTR_PROVISIONKEY = 1n << 4n;
export const SGX_ATTR_KSS = 1n << 7n;
export const SGX_ATTR_ASYNC_EXIT_NOTIFY = 1n << 10n;
/** attributes any enclave may have without extra permission */
export const SGX_ATTR_UNPRIV_MASK = SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_KSS | SGX_ATTR_ASYNC_EXIT_NOTIFY;

/** the ENCLS leaves the driver uses, in the order the summary prints them */
export const ENCLS_LEAVES = [
  "ECREATE",
  "EADD",
  "EEXTEND",
  "EINIT",
  "EREMOVE",
  "EPA",
  "EBLOCK",
  "ETRACK",
  "EWB",
  "ELDU",
  "EAUG",
  "EMODPR",
  "EMODT",
] as const;
export type EnclsLeaf = (typeof ENCLS_LEAVES)[number];
