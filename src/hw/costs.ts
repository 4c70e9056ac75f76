// placeholder: replaced by the cost-model module
export const costProfileNames: readonly string[] = ["client-128m", "icelake-server"];
