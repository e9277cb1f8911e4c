/**
 * Execs: an exec as berthd tracks it, a container's execs by id, and the OCI process spec built for `runc exec`
 * from an AddProcess request.
 * Where the request is silent the exec behaves like the container's own process: it gets the init's
 * environment, capabilities and rlimits from the bundle (containerd 0.2 gave it none, so it had no PATH).
 */
import { type AddProcess, type Change, type Process, type ProcessState, processStatus, stateAfter } from "@berth/protocol";
import { readBundleConfig } from "@berth/runtime";
import type { OciProcess, ProcessRecord } from "@berth/state";

export class ExecEntry {
  /** relay: the state its shim reported; "created" until its start-process is journaled. */
  private _state: ProcessState = "created";
  private _systemPid = 0;
  private _exitStatus: number | undefined;
  /** Told of every change of what toApi shows: its container's `touch` (set by Execs). */
  changed: () => void = () => {};
  /** relay: the exec as it was when its start was journaled: what the exec's POST answers. */
  asStarted: Process | undefined;
  /** Resolves with the exit status once the exec's exit is journaled. */
  readonly exited: Promise<number>;
  private resolveExited!: (status: number) => void;

  /** @param record the exec as asked for (its process.json): never changed. */
  constructor(readonly record: Readonly<ProcessRecord>) {
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  get pid(): string {
    return this.record.pid;
  }

  get state(): ProcessState {
    return this._state;
  }
  set state(state: ProcessState) {
    this._state = state;
    this.changed();
  }
  get systemPid(): number {
    return this._systemPid;
  }
  set systemPid(pid: number) {
    this._systemPid = pid;
    this.changed();
  }
  get exitStatus(): number | undefined {
    return this._exitStatus;
  }
  set exitStatus(status: number | undefined) {
    this._exitStatus = status;
    this.changed();
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

/** A container's execs by id: adding or removing one, and every change of one, is a change of the container (`changed`). */
export class Execs extends Map<string, ExecEntry> {
  constructor(private readonly changed: () => void) {
    super();
  }

  override set(pid: string, exec: ExecEntry): this {
    exec.changed = this.changed;
    super.set(pid, exec);
    this.changed();
    return this;
  }

  override delete(pid: string): boolean {
    const had = super.delete(pid);
    if (had) this.changed();
    return had;
  }

  override clear(): void {
    super.clear();
    this.changed();
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
