const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · MorphLink</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:15vh auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}input,button{font:inherit;padding:.4rem .6rem}p.error{color:#b00}</style></head>
<body>${body}</body></html>`;
}

export const notFoundPage = () => page('Link not found', '<h1>Link not found</h1><p>There is no short link at this address.</p>');

export const gonePage = () => page('Link expired', '<h1>This link is no longer available</h1><p>It has expired or reached its click limit.</p>');

export function passwordPage(code: string, wrong: boolean): string {
  return page(
    'Password required',
    `<h1>This link is protected</h1>${wrong ? '<p class="error">Wrong password, try again.</p>' : ''}
<form method="post" action="/r/${encodeURIComponent(code)}"><label>Password <input type="password" name="password" autofocus required></label>
<button type="submit">Continue</button></form>`,
  );
}
