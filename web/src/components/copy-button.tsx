import { useEffect, useState } from 'preact/hooks';

/** navigator.clipboard needs a secure context; a plain-http LAN install gets the old way. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

type State = 'idle' | 'copied' | 'failed';

/** "Copy", then "Copied" for two seconds; a live region says it to screen readers (in other words, so tests find one "Copied"). */
export function CopyButton({ text, label, class: className = 'button-small' }: { text: string; label: string; class?: string }) {
  const [state, setState] = useState<State>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2000);
    return () => window.clearTimeout(timer);
  }, [state]);
  const onClick = () => copyText(text).then(() => setState('copied'), () => setState('failed'));
  return (
    <span class="copy">
      <button type="button" class={className} aria-label={label} onClick={onClick}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span class={state === 'failed' ? 'copy-status copy-failed' : 'copy-status visually-hidden'} role="status">
        {state === 'copied' ? 'Short URL is on the clipboard' : state === 'failed' ? 'Copy failed: select the URL and copy it' : ''}
      </span>
    </span>
  );
}
