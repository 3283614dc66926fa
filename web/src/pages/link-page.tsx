import { useEffect, useState } from 'preact/hooks';
import { links, type Link } from '../api/api.ts';
import { ApiError, describeError } from '../api/http.ts';
import { CopyButton } from '../components/copy-button.tsx';
import { Alert } from '../components/field.tsx';
import { Page } from '../components/page.tsx';
import { formatDateTime, formatNumber } from '../format.ts';
import { Link as RouteLink, navigate } from '../router.tsx';
import { LinkAnalytics } from './link-analytics.tsx';
import { DeleteDialog, EditDialog, QrCode } from './link-dialogs.tsx';

function Facts({ link }: { link: Link }) {
  const rows: [string, string][] = [
    ['Destination', link.url],
    ['Title', link.title ?? '—'],
    ['Tags', link.tags.join(', ') || '—'],
    ['Clicks', link.maxClicks === null ? formatNumber(link.clicks) : `${formatNumber(link.clicks)} of ${formatNumber(link.maxClicks)}`],
    ['Expires', link.expiresAt ? formatDateTime(link.expiresAt) : 'never'],
    ['Redirect', String(link.redirectType)],
    ['Password', link.hasPassword ? 'yes' : 'no'],
    ['Created', formatDateTime(link.createdAt)],
  ];
  return (
    <dl class="facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd class="break">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One link: what it is, its QR code, edit and delete, and its analytics. */
export function LinkPage({ code }: { code: string }) {
  const [link, setLink] = useState<Link | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [dialog, setDialog] = useState<'edit' | 'delete' | null>(null);

  useEffect(() => {
    setLink(null);
    setError(null);
    links.get(code).then(setLink, (e: unknown) => setError(e instanceof Error ? e : new Error(String(e))));
  }, [code]);

  if (error instanceof ApiError && error.status === 404) {
    return (
      <Page title="Link not found">
        <p>
          There is no link <strong>{code}</strong> among yours. <RouteLink to="links">Back to your links</RouteLink>
        </p>
      </Page>
    );
  }

  const actions = link && (
    <>
      <button type="button" onClick={() => setDialog('edit')}>
        Edit
      </button>
      <button type="button" class="button-danger-quiet" onClick={() => setDialog('delete')}>
        Delete
      </button>
    </>
  );
  return (
    <Page title={code} actions={actions}>
      <p class="crumbs">
        <RouteLink to="links">← All links</RouteLink>
      </p>
      {error && <Alert>{describeError(error)}</Alert>}
      <section class="card link-summary" aria-label="Link details" aria-busy={!link}>
        {link ? (
          <>
            <div>
              <p class="short-url">
                <a href={link.shortUrl}>{link.shortUrl}</a> <CopyButton text={link.shortUrl} label={`Copy short URL ${link.code}`} />
              </p>
              <Facts link={link} />
            </div>
            <QrCode link={link} />
          </>
        ) : (
          <div class="skeleton summary-skeleton" />
        )}
      </section>
      <LinkAnalytics code={code} />
      {link && dialog === 'edit' && (
        <EditDialog
          link={link}
          onClose={() => setDialog(null)}
          onSaved={(saved) => {
            setLink(saved);
            setDialog(null);
          }}
        />
      )}
      {link && dialog === 'delete' && <DeleteDialog link={link} onClose={() => setDialog(null)} onDeleted={() => navigate('links', { replace: true })} />}
    </Page>
  );
}
