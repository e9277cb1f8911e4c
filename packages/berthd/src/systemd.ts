/**
 * Readiness for systemd's `Type=notify` (scripts/berthd.service), in sd_notify(3)'s protocol: when systemd sets
 * $NOTIFY_SOCKET, berthd sends `STATUS=` lines while it restores containers, `READY=1` once it listens and every
 * container is restored (so `systemctl start berthd` returns when the API answers with no wait), and
 * `STOPPING=1` when it stops. Without $NOTIFY_SOCKET nothing is sent. The variable is taken out of berthd's
 * environment, so shims and what they run never inherit it (sd_notify's unset_environment). A failed send is
 * logged and changes nothing else: the service manager decides what a missing READY=1 means.
 */
import type { Logger, Supervisor } from "@berth/supervisor";
import { sendDatagram } from "@berth/sys";

export interface Notifier {
  /** A free-form status line (`systemctl status` shows it). */
  status(text: string): void;
  /** READY=1 with a status line. */
  ready(text: string): void;
  /** STOPPING=1 with a status line. */
  stopping(text: string): void;
}

export function systemdNotifier(logger: Logger, env: NodeJS.ProcessEnv = process.env): Notifier {
  const socket = env.NOTIFY_SOCKET;
  delete env.NOTIFY_SOCKET;
  const send = (message: string) => {
    if (!socket) return;
    try {
      sendDatagram(socket, message);
    } catch (err) {
      logger.warn("cannot notify systemd", { socket, error: (err as Error).message });
    }
  };
  return {
    status: (text) => send(`STATUS=${text}`),
    ready: (text) => send(`READY=1\nSTATUS=${text}`),
    stopping: (text) => send(`STOPPING=1\nSTATUS=${text}`),
  };
}

/**
 * Runs the supervisor's restore and reports its progress as status lines: "restoring N containers", then one
 * line per container restored ("restored K of N containers"). Resolves when every container is restored.
 */
export function restoreWithStatus(supervisor: Supervisor, notify: Notifier): Promise<void> {
  return supervisor.restore((done, total) => notify.status(done === 0 ? `restoring ${total} container${total === 1 ? "" : "s"}` : `restored ${done} of ${total} containers`));
}
