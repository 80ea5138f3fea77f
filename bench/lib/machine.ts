/** A one-line description of the machine and runtime a benchmark ran on. */
import os from "node:os";

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  const gib = (os.totalmem() / 2 ** 30).toFixed(0);
  return `${cpu}, ${os.cpus().length} cores, ${gib} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
}
