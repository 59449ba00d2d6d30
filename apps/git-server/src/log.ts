// Structured logs: one JSON object per line on stdout, so `docker logs` and tests can parse them.

export type Level = "debug" | "info" | "warn" | "error";

export type Fields = Record<string, unknown>;

/** Writes `{time, level, msg, ...fields}` as one line. */
export function log(level: Level, msg: string, fields: Fields = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  process.stdout.write(line + "\n");
}
