/**
 * The shim RPC's version (shim.ts says what the RPC is). A shim writes it into its shim record; berthd talks only
 * to shims that speak its own and treats any other as a shim it cannot reach (restore kills its container).
 * A module of its own, free of TypeBox: the shim binary loads no schema code (see the package's sideEffects).
 */
export const SHIM_PROTOCOL_VERSION = 2;
