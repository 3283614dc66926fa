import { useState } from 'preact/hooks';
import type { Link } from '../api/api.ts';
import { CopyButton } from '../components/copy-button.tsx';
import { formatDate, formatNumber } from '../format.ts';
import { Link as RouteLink } from '../router.tsx';
import { DeleteDialog, EditDialog, QrDialog } from './link-dialogs.tsx';

type Open = { kind: 'qr' | 'edit' | 'delete'; link: Link } | null;

/** Expired or out of clicks: the short URL answers 410. */
const isSpent = (link: Link) => (link.expiresAt !== null && Date.parse(link.expiresAt) <= Date.now()) || (link.maxClicks !== null && link.clicks >= link.maxClicks);

const COLUMNS = ['Short link', 'Destination', 'Tags', 'Clicks', 'Created', 'Actions'];

function Row({ link, onOpen, onTag }: { link: Link; onOpen: (open: Open) => void; onTag: (tag: string) => void }) {
  return (
    <tr>
      <td data-label="Short link">
        <RouteLink to={`links/${link.code}`} class="code" title="Analytics and settings">
          {link.code}
        </RouteLink>
        {link.hasPassword && <span class="badge" title="Password protected">password</span>}
        {isSpent(link) && (
          <span class="badge badge-warn" title="Visitors get 410 Gone">
            {link.maxClicks !== null && link.clicks >= link.maxClicks ? 'used up' : 'expired'}
          </span>
        )}
      </td>
      <td data-label="Destination" class="destination">
        <a href={link.url} target="_blank" rel="noopener noreferrer" title={link.url}>
          {link.title ?? link.url}
        </a>
        {link.title && <span class="muted small ellipsis">{link.url}</span>}
      </td>
      <td data-label="Tags">
        {link.tags.map((tag) => (
          <button key={tag} type="button" class="tag" title={`Show only links tagged ${tag}`} onClick={() => onTag(tag)}>
            {tag}
          </button>
        ))}
      </td>
      <td data-label="Clicks" class="num">
        {formatNumber(link.clicks)}
        {link.maxClicks !== null && <span class="muted"> / {formatNumber(link.maxClicks)}</span>}
      </td>
      <td data-label="Created">{formatDate(link.createdAt)}</td>
      <td data-label="Actions" class="actions">
        <CopyButton text={link.shortUrl} label={`Copy short URL ${link.code}`} />
        <button type="button" class="button-small" aria-label={`QR code ${link.code}`} onClick={() => onOpen({ kind: 'qr', link })}>
          QR
        </button>
        <button type="button" class="button-small" aria-label={`Edit ${link.code}`} onClick={() => onOpen({ kind: 'edit', link })}>
          Edit
        </button>
        <button type="button" class="button-small button-danger-quiet" aria-label={`Delete ${link.code}`} onClick={() => onOpen({ kind: 'delete', link })}>
          Delete
        </button>
      </td>
    </tr>
  );
}

/** Placeholder rows of the real rows' height, so the page does not jump when the data arrives. */
export function SkeletonRows({ count }: { count: number }) {
  return (
    <>
      {Array.from({ length: count }, (_, i) => (
        <tr key={i} class="skeleton-row" aria-hidden="true">
          {COLUMNS.map((c) => (
            <td key={c} data-label={c}>
              <span class="skeleton skeleton-text" />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

interface LinksTableProps {
  items: readonly Link[] | null;
  busy: boolean;
  onChanged: () => void;
  onTag: (tag: string) => void;
}

/** Links as a table on wide screens and as cards on narrow ones (same markup, CSS decides). */
export function LinksTable({ items, busy, onChanged, onTag }: LinksTableProps) {
  const [open, setOpen] = useState<Open>(null);
  const close = () => setOpen(null);
  return (
    <>
      <table class="links-table" aria-busy={busy} aria-label="Links">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c} scope="col" class={c === 'Clicks' ? 'num' : undefined}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{items === null ? <SkeletonRows count={5} /> : items.map((link) => <Row key={link.code} link={link} onOpen={setOpen} onTag={onTag} />)}</tbody>
      </table>
      {open?.kind === 'qr' && <QrDialog link={open.link} onClose={close} />}
      {open?.kind === 'edit' && (
        <EditDialog
          link={open.link}
          onClose={close}
          onSaved={() => {
            close();
            onChanged();
          }}
        />
      )}
      {open?.kind === 'delete' && (
        <DeleteDialog
          link={open.link}
          onClose={close}
          onDeleted={() => {
            close();
            onChanged();
          }}
        />
      )}
    </>
  );
}
