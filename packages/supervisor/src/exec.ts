/**
 * Execs: an exec as berthd tracks it, and the OCI process spec built for `runc exec` from an AddProcess request.
 * Where the request is silent the exec behaves like the container's own process: it gets the init's
 * environment, capabilities and rlimits from the bundle (containerd 0.2 gave it none, so it had no PATH).
 */
import { type AddProcess, type Change, type Process, type ProcessState, processStatus, stateAfter } from "@berth/protocol";
import { readBundleConfig } from "@berth/runtime";
import type { OciProcess, ProcessRecord } from "@berth/state";

export class ExecEntry {
  /** relay: the state its shim reported; "created" until its start-process is journaled. */
  state: ProcessState = "created";
  systemPid = 0;
  exitStatus: number | undefined;
  /** relay: the exec as it was when its start was journaled: what the exec's POST answers. */
  asStarted: Process | undefined;
  /** Resolves with the exit status once the exec's exit is journaled. */
  readonly exited: Promise<number>;
  private resolveExited!: (status: number) => void;

  constructor(readonly record: ProcessRecord) {
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  get pid(): string {
    return this.record.pid;
  }

  /** Shown once its start is journaled. */
  get visible(): boolean {
    return this.state !== "created";
  }

  /** relay: a journaled change of this exec. */
  apply(change: Change): void {
    const to = stateAfter(change.type);
    if (to) this.state = to;
    if (change.type === "start-process") {
      if (change.systemPid) this.systemPid = change.systemPid;
      this.asStarted = this.toApi();
    }
    if (change.type === "exit") {
      this.exitStatus = change.status ?? 255;
      this.resolveExited(this.exitStatus);
    }
  }

  toApi(): Process {
    const { spec } = this.record;
    return {
      pid: this.pid,
      systemPid: this.systemPid,
      args: spec.args,
      env: spec.env ?? [],
      cwd: spec.cwd,
      terminal: spec.terminal ?? false,
      user: spec.user,
      stdin: this.record.stdin ?? "",
      stdout: this.record.stdout ?? "",
      stderr: this.record.stderr ?? "",
      status: processStatus(this.state),
      ...(this.exitStatus === undefined ? {} : { exitStatus: this.exitStatus }),
    };
  }
}

/** The bundle's own process spec, the defaults for an exec; none when the bundle cannot be read (safely) now. */
export async function readBundleProcess(bundlePath: string): Promise<Partial<OciProcess>> {
  return (await readBundleConfig<{ process?: Partial<OciProcess> }>(bundlePath).catch(() => undefined))?.process ?? {};
}

export function execSpec(request: AddProcess, init: Partial<OciProcess>): OciProcess {
  const caps = request.capabilities;
  return {
    terminal: request.terminal ?? false,
    user: request.user ?? { uid: 0, gid: 0 },
    args: request.args,
    env: request.env ?? init.env ?? [],
    cwd: request.cwd ?? "/",
    ...(caps
      ? { capabilities: { bounding: caps, effective: caps, inheritable: caps, permitted: caps, ambient: caps } }
      : init.capabilities ? { capabilities: init.capabilities } : {}),
    ...(request.rlimits ?? init.rlimits ? { rlimits: request.rlimits ?? init.rlimits } : {}),
    noNewPrivileges: request.noNewPrivileges ?? init.noNewPrivileges ?? false,
    ...(request.apparmorProfile ? { apparmorProfile: request.apparmorProfile } : {}),
    ...(request.selinuxLabel ? { selinuxLabel: request.selinuxLabel } : {}),
  };
}

export function execRecord(request: AddProcess, init: Partial<OciProcess>): ProcessRecord {
  return {
    pid: request.pid,
    spec: execSpec(request, init),
    ...(request.stdin ? { stdin: request.stdin } : {}),
    ...(request.stdout ? { stdout: request.stdout } : {}),
    ...(request.stderr ? { stderr: request.stderr } : {}),
  };
}
