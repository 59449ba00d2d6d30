// Debian's chromium for the browser tests, started the way this closed network needs: headless, no
// sandbox (root), and none of the background connections that would be refused here.
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;
