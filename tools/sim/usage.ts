// CPU time of a simulated-cluster component: every process in its group (startProc gives each component
// a group of its own), including the children they have reaped (the repo-server's git and kustomize runs).
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

let ticks: number | undefined;

/** Clock ticks per second, the unit of /proc/<pid>/stat's times. */
function clockTicks(): number {
  ticks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return ticks;
}

/** Seconds of CPU (user + system, own and reaped children) used so far by the processes of group `pgid`. */
export function cpuSeconds(pgid: number): number {
  let total = 0;
  let members = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while listing
    }
    // The command name may hold spaces and parentheses; the fields after its closing one start at field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) !== pgid) continue;
    members++;
    total += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  if (members === 0) throw new Error(`cpuSeconds: no process in group ${pgid} (has the component exited?)`);
  return total / clockTicks();
}
