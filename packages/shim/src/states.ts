/**
 * The per-process state machine, after containerd's pkg/process (init_state.go, exec_state.go,
 * deleted_state.go): one object per state, each implementing every operation, so every (state, operation)
 * pair is a visible decision: do the work (and maybe move on), do nothing, or refuse with `failed_precondition`
 * naming the operation and the state ("cannot exec in paused container c1"). The table:
 *
 *   init                 created      running      paused       stopped      deleted
 *   start                → running    refuse       refuse       refuse       refuse
 *   signal               yes          yes          yes (a kill also thaws)   refuse       refuse
 *   exec                 refuse       yes          refuse       refuse       refuse
 *   pause                refuse       → paused     no-op        refuse       refuse
 *   resume               refuse       no-op        → running    refuse       refuse
 *   update, checkpoint   refuse       yes          yes          refuse       refuse
 *   resize, closeStdin   yes          yes          yes          refuse       refuse
 *   delete               → deleted    refuse       refuse       → deleted    no-op
 *   exit (the reaper)    → stopped    → stopped    → stopped    ignored      ignored
 *
 * An exec has the same rows without exec, pause, resume, update and checkpoint (they act on the container,
 * that is on its init), which it refuses in every state; its start is the runtime's exec having run it.
 *
 * The states only decide; the work (runtime calls, pidfd signals, change records) is the process kind's
 * (init.ts, exec.ts), reached through ProcessWork. An exit never throws: in a state that cannot
 * take it, it is logged and dropped.
 */
import { BerthError, type ProcessState, type Resources, type ShimCheckpoint } from "@berth/protocol";

/** The work of one process kind (init.ts, exec.ts), with no checks of its own: the states decide when it runs. */
export interface ProcessWork {
  /**
   * Init: the runtime's run (`runc run --detach`, or `runc restore --detach`), which creates the container and
   * runs the init; exec: nothing more (`runc exec` ran it). Records the start, answers its change.
   */
  start(): Promise<number>;
  signal(signal: number): Promise<void>;
  exec(pid: string): Promise<{ systemPid: number; change: number }>;
  pause(): Promise<number>;
  resume(): Promise<number>;
  /** Init: the runtime's resume with no change recorded, so a kill lands; the exit that follows moves the state. */
  thaw(): Promise<void>;
  update(resources: Resources): Promise<number>;
  checkpoint(options: ShimCheckpoint): Promise<number>;
  resize(width: number, height: number): void;
  closeStdin(): void;
  delete(): Promise<void>;
}

/** What a state sees of its process: the work, its name, and the one way to change state. */
export interface Machine {
  readonly work: ProcessWork;
  /** "container c1" or "process p1 of container c1": how refusals name it. */
  readonly what: string;
  /** Moves to the state named `to` if `from` is still the current one; false if something (an exit) came first. */
  transition(from: State, to: ProcessState): boolean;
  logIgnored(what: string): void;
}

const verbs = { exec: "exec in" } as Record<string, string>;

/** The base state refuses everything; each state overrides the operations it allows. */
export abstract class State {
  abstract readonly name: ProcessState;
  /** The states this one may move to. */
  abstract readonly next: readonly ProcessState[];

  constructor(protected readonly p: Machine) {}

  start(): Promise<number> {
    return this.refuse("start");
  }
  signal(_signal: number): Promise<void> {
    return this.refuse("signal");
  }
  exec(_pid: string): Promise<{ systemPid: number; change: number }> {
    return this.refuse("exec");
  }
  /** Answers the change it recorded, or undefined when it changed nothing. */
  pause(): Promise<number | undefined> {
    return this.refuse("pause");
  }
  resume(): Promise<number | undefined> {
    return this.refuse("resume");
  }
  update(_resources: Resources): Promise<number> {
    return this.refuse("update");
  }
  checkpoint(_options: ShimCheckpoint): Promise<number> {
    return this.refuse("checkpoint");
  }
  resize(_width: number, _height: number): void {
    this.refuse("resize");
  }
  closeStdin(): void {
    this.refuse("close stdin of");
  }
  delete(): Promise<void> {
    return this.refuse("delete");
  }
  /** The reaper's exit: accepted in every live state, never throws. */
  exited(): void {
    if (!this.p.transition(this, "stopped")) this.p.logIgnored(`an exit in state ${this.name}`);
  }

  protected refuse(op: string): never {
    throw new BerthError("failed_precondition", `cannot ${verbs[op] ?? op} ${this.name} ${this.p.what}`);
  }

  /** Runs `work`, then moves to `to` unless an exit overtook it (then the caller learns the process is gone). */
  protected async then<T>(work: Promise<T>, to: ProcessState, op: string): Promise<T> {
    const result = await work;
    if (!this.p.transition(this, to)) throw new BerthError("failed_precondition", `cannot ${verbs[op] ?? op} ${this.p.what}: it exited meanwhile`);
    return result;
  }
}

/** Live states share signal, resize and closeStdin. */
abstract class LiveState extends State {
  override signal(signal: number): Promise<void> {
    return this.p.work.signal(signal);
  }
  override resize(width: number, height: number): void {
    this.p.work.resize(width, height);
  }
  override closeStdin(): void {
    this.p.work.closeStdin();
  }
}

class Created extends LiveState {
  readonly name = "created";
  readonly next = ["running", "stopped", "deleted"] as const;
  override start(): Promise<number> {
    return this.then(this.p.work.start(), "running", "start");
  }
  override delete(): Promise<void> {
    return this.then(this.p.work.delete(), "deleted", "delete");
  }
}

/** Running and paused share what acts on a started container: resource updates and checkpoints. */
abstract class StartedState extends LiveState {
  override update(resources: Resources): Promise<number> {
    return this.p.work.update(resources);
  }
  override checkpoint(options: ShimCheckpoint): Promise<number> {
    return this.p.work.checkpoint(options);
  }
}

class Running extends StartedState {
  readonly name = "running";
  readonly next = ["paused", "stopped"] as const;
  override exec(pid: string) {
    return this.p.work.exec(pid);
  }
  override pause(): Promise<number> {
    return this.then(this.p.work.pause(), "paused", "pause");
  }
  override async resume(): Promise<undefined> {
    return undefined; // asking for the status it has changes nothing (API.md's PATCH)
  }
}

class Paused extends StartedState {
  readonly name = "paused";
  readonly next = ["running", "stopped"] as const;
  /** A frozen process does not die: a SIGKILL thaws it too (runc resume), so the kill lands. */
  override async signal(signal: number): Promise<void> {
    await this.p.work.signal(signal);
    if (signal === 9) await this.p.work.thaw();
  }
  override async pause(): Promise<undefined> {
    return undefined;
  }
  override resume(): Promise<number> {
    return this.then(this.p.work.resume(), "running", "resume");
  }
}

class Stopped extends State {
  readonly name = "stopped";
  readonly next = ["deleted"] as const;
  override delete(): Promise<void> {
    return this.then(this.p.work.delete(), "deleted", "delete");
  }
}

class Deleted extends State {
  readonly name = "deleted";
  readonly next = [] as const;
  override async delete(): Promise<void> {}
}

class ExecCreated extends LiveState {
  readonly name = "created";
  readonly next = ["running", "stopped"] as const;
  override start(): Promise<number> {
    return this.then(this.p.work.start(), "running", "start");
  }
}

class ExecRunning extends LiveState {
  readonly name = "running";
  readonly next = ["stopped"] as const;
}

/** A process kind's state objects by name; a kind has only the states it can reach. */
export type States = Partial<Record<ProcessState, State>>;

/** The init's state objects, by name. */
export function initStates(p: Machine): States {
  return { created: new Created(p), running: new Running(p), paused: new Paused(p), stopped: new Stopped(p), deleted: new Deleted(p) };
}

/** An exec's state objects, by name: it is never paused. */
export function execStates(p: Machine): States {
  return { created: new ExecCreated(p), running: new ExecRunning(p), stopped: new Stopped(p), deleted: new Deleted(p) };
}
