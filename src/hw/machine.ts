// The machine a scenario runs on: EPC sections, NUMA nodes, CPUs, SGX2, the cost profile.

export interface EpcSectionConfig {
  /** bytes, a multiple of 4096 */
  size: number;
  /** NUMA node the section belongs to */
  node: number;
}

export interface MachineConfig {
  /** EPC sections in CPUID order; their frames are numbered consecutively from 0 */
  sections: EpcSectionConfig[];
  numaNodes: number;
  cpus: number;
  sgx2: boolean;
  /** cost profile name, see src/hw/costs.ts */
  profile: string;
  /** per-parameter overrides of the profile, in the parameter's own unit */
  costs: Record<string, number>;
}
