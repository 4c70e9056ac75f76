// Constants and enumerations of the SGX driver (sgx.h, encl.h, driver.h); the architectural ones
// (page types, return codes, ENCLS leaves) live in hw/arch.ts and are re-exported here for the
// driver's files, which use both.
export * from "../hw/arch.js";

// sgx.h
export const SGX_MAX_EPC_SECTIONS = 8;
export const SGX_NR_TO_SCAN = 16;
export const SGX_NR_LOW_PAGES = 32;
export const SGX_NR_HIGH_PAGES = 64;

// encl.h
export const SGX_ENCL_PAGE_VA_OFFSET_MASK = 0xff8;
/** shares bit 3 with the VA offset (quirk Q14) */
export const SGX_ENCL_PAGE_BEING_RECLAIMED = 0x8;
export const PCMDS_PER_PAGE = 32;

// enum sgx_encl_flags
export const SGX_ENCL_IOCTL = 1 << 0;
export const SGX_ENCL_DEBUG = 1 << 1;
export const SGX_ENCL_CREATED = 1 << 2;
export const SGX_ENCL_INITIALIZED = 1 << 3;
/** v5: the OOM path chose this enclave; it gets no more memory and its mappings are gone */
export const SGX_ENCL_NO_MEMORY = 1 << 4;

// ioctl names as user space spells them
export const SGX_IOC_ENCLAVE_CREATE = "SGX_IOC_ENCLAVE_CREATE";
export const SGX_IOC_ENCLAVE_ADD_PAGES = "SGX_IOC_ENCLAVE_ADD_PAGES";
export const SGX_IOC_ENCLAVE_INIT = "SGX_IOC_ENCLAVE_INIT";
export const SGX_IOC_ENCLAVE_PROVISION = "SGX_IOC_ENCLAVE_PROVISION";
export const SGX_IOC_VEPC_REMOVE_ALL = "SGX_IOC_VEPC_REMOVE_ALL";
export const SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS = "SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS";
export const SGX_IOC_ENCLAVE_MODIFY_TYPES = "SGX_IOC_ENCLAVE_MODIFY_TYPES";
export const SGX_IOC_ENCLAVE_REMOVE_PAGES = "SGX_IOC_ENCLAVE_REMOVE_PAGES";
