/**
 * A system under test, driven the same way by every scenario: Berth (its HTTP API), raw runc (its command line),
 * containerd (ctr) and podman with conmon. What a system cannot do is simply absent (runc has no daemon).
 */
import type { ExitFeed } from "../exits.ts";
import type { SystemName } from "../result.ts";

export interface Running {
  id: string;
  /** The init's host pid. */
  pid: number;
}

export interface Watched extends Running {
  /** Settles with the exit status as the system reports it to its client. */
  exited: Promise<number>;
}

export interface Target {
  readonly name: SystemName;
  /** Starts what the system needs (a daemon, an event subscriber), ready for containers. */
  setup(): Promise<void>;
  /** Creates and starts a container; resolves once its init runs. */
  create(id: string, bundle: string): Promise<Running>;
  /** Like create, with its exit watched from before it starts. */
  createWatched(id: string, bundle: string): Promise<Watched>;
  /** create → start → wait for the exit → delete; the exit status. */
  runToExit(id: string, bundle: string): Promise<number>;
  /** A signal to the init through the system's own control path (HTTP, `runc kill`, `ctr task kill`). */
  signal(id: string, signal: number): Promise<void>;
  /** Removes what an exited container left behind (nothing, where the exit removes it). */
  remove(id: string): Promise<void>;
  /** Kills and removes every container it made; the target stays usable. */
  removeAll(): Promise<void>;
  /** Ids the system itself lists as running. */
  listRunning(): Promise<Set<string>>;
  /** The daemon's pid, if any, and the per-container monitor processes (shims, conmon). */
  processes(): { daemon?: number; monitors: number[] };
  /**
   * When the system stamps its exit events and its event reader only polls for them (podman's file backend), the
   * time (performance.now() clock) container `id`'s exit event was written; the exit scenario then times to it.
   */
  exitStamp?(id: string): number | undefined;
  /** Processes that live as long as the target (its daemon, its event subscriber): not another system's CPU. */
  longLived(): number[];
  /** Systems with a daemon: kill it and start it again on the same state. */
  readonly daemon?: DaemonControl;
  /** Stops everything it started and removes its files, keeping a copy of its logs in `keepLogsIn` if given. */
  close(keepLogsIn?: string): Promise<void>;
}

export interface DaemonControl {
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it on the same state; resolves once it answers requests. */
  start(): Promise<void>;
  /** True once the daemon says it is done restoring (when it says nothing: once it answers). */
  restored(): Promise<boolean>;
  /** Where a later subscriber should start to see what happens from now on, if the system can replay. */
  eventMarker(): number | undefined;
  /** A new, separate subscriber to init exits (from `marker` where the system can replay). */
  subscribe(marker?: number): Promise<Subscription>;
}

export interface Subscription {
  feed: ExitFeed;
  close(): void;
}

/** Runs `create` with the wait for its exit armed first, so even an instant exit is caught. */
export async function createWatched(feed: ExitFeed, id: string, create: () => Promise<Running>): Promise<Watched> {
  const exited = feed.wait(id, 10 * 60_000);
  exited.catch(() => {});
  try {
    return { ...(await create()), exited };
  } catch (err) {
    feed.forget(id);
    throw err;
  }
}
