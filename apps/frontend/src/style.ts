// The page's stylesheet, served from /style.css so the CSP can forbid inline styles.

export const stylesheet = `
:root { color-scheme: light; font-family: system-ui, sans-serif; color: #1f2933; background: #f4f6f8; }
body { margin: 0; }
main { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-weight: 600; }
form { display: grid; gap: .4rem; background: #fff; padding: 1rem; border-radius: .5rem; box-shadow: 0 1px 3px #0002; }
label { font-weight: 600; font-size: .9rem; }
input, textarea { font: inherit; padding: .5rem; border: 1px solid #cbd2d9; border-radius: .3rem; }
button { justify-self: start; font: inherit; padding: .5rem 1rem; border: 0; border-radius: .3rem; background: #2563eb; color: #fff; cursor: pointer; }
.messages { list-style: none; padding: 0; margin: 1.5rem 0; display: grid; gap: .75rem; }
.message { background: #fff; padding: .75rem 1rem; border-radius: .5rem; box-shadow: 0 1px 3px #0002; }
.meta { margin: 0 0 .3rem; font-size: .85rem; color: #52606d; display: flex; gap: .5rem; }
.author { font-weight: 600; color: #1f2933; }
.text { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.notice, .error { padding: .75rem 1rem; border-radius: .5rem; background: #fdecea; color: #8a1c1c; }
.empty { color: #52606d; }
.pager { display: flex; justify-content: space-between; margin: 1rem 0; }
.pager a { color: #2563eb; }
`;
