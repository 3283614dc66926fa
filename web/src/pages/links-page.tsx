import { useEffect, useState } from 'preact/hooks';
import { links, type Link, type LinkPage } from '../api/api.ts';
import { describeError } from '../api/http.ts';
import { CopyButton } from '../components/copy-button.tsx';
import { Alert, SelectField, TextField } from '../components/field.tsx';
import { Page } from '../components/page.tsx';
import { LinkForm } from './link-form.tsx';
import { LinksTable } from './links-table.tsx';

const PAGE_SIZES = [['10', '10'], ['20', '20'], ['50', '50'], ['100', '100']] as const;

/** The value, once it stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * One page of the caller's links. Cursor paging only goes forward, so "Previous" pops a stack of
 * the cursors that led here; any change of filter starts again at the first page.
 */
function useLinkPages(q: string, tag: string, limit: number) {
  // The stack belongs to one set of filters: other filters, the first page.
  const filters = JSON.stringify([q, tag, limit]);
  const [stack, setStack] = useState<{ filters: string; cursors: (string | null)[] }>({ filters, cursors: [null] });
  const cursors = stack.filters === filters ? stack.cursors : [null];
  const setCursors = (next: (cursors: (string | null)[]) => (string | null)[]) => setStack({ filters, cursors: next(cursors) });
  const [page, setPage] = useState<LinkPage | null>(null);
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const cursor = cursors.at(-1) ?? null;

  useEffect(() => {
    let isCurrent = true;
    setBusy(true);
    links.list({ limit, cursor, q: q.trim(), tag: tag.trim() }).then(
      (next) => {
        if (!isCurrent) return;
        // The last link of a later page was deleted: show the page before.
        if (next.items.length === 0 && cursors.length > 1) setCursors((c) => c.slice(0, -1));
        setPage(next);
        setError(null);
        setBusy(false);
      },
      (e: unknown) => {
        if (!isCurrent) return;
        setError(describeError(e));
        setBusy(false);
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [cursor, q, tag, limit, reloads]);

  return {
    page,
    busy,
    error,
    pageNumber: cursors.length,
    hasPrevious: cursors.length > 1,
    hasNext: Boolean(page?.nextCursor),
    // Ignored while a page loads, so a double click does not skip one.
    next: () => !busy && page?.nextCursor && setCursors((c) => [...c, page.nextCursor]),
    previous: () => !busy && setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reload: () => setReloads((n) => n + 1),
    restart: () => (cursors.length === 1 ? setReloads((n) => n + 1) : setCursors(() => [null])),
  };
}

export function LinksPage() {
  const [search, setSearch] = useState('');
  const [tag, setTag] = useState('');
  const [limit, setLimit] = useState('20');
  const [created, setCreated] = useState<Link | null>(null);
  const q = useDebounced(search, 300);
  const settledTag = useDebounced(tag, 300);
  const pages = useLinkPages(q, settledTag, Number(limit));
  const isFiltered = Boolean(q.trim() || settledTag.trim());
  const items = pages.page?.items ?? null;

  return (
    <Page title="Links">
      <section class="card" aria-labelledby="create-heading">
        <h2 id="create-heading">Create a short link</h2>
        {created && (
          <Alert tone="success">
            Created <a href={created.shortUrl}>{created.shortUrl}</a> <CopyButton text={created.shortUrl} label={`Copy short URL ${created.code}`} />
          </Alert>
        )}
        <LinkForm
          onSaved={(link) => {
            setCreated(link);
            pages.restart();
          }}
        />
      </section>

      <section class="card" aria-labelledby="list-heading">
        <div class="list-head">
          <h2 id="list-heading">Your short URLs</h2>
          <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
            <TextField label="Search" type="search" value={search} onValue={setSearch} placeholder="code, URL or title" />
            <TextField label="Tag" type="search" value={tag} onValue={setTag} placeholder="exact tag" />
            <SelectField label="Per page" value={limit} onValue={setLimit} options={PAGE_SIZES} />
          </form>
        </div>
        {pages.error && <Alert>{pages.error}</Alert>}
        {items?.length === 0 && pages.pageNumber === 1 ? (
          isFiltered ? (
            <div class="empty">
              <p>No links match these filters.</p>
              <button
                type="button"
                onClick={() => {
                  setSearch('');
                  setTag('');
                }}
              >
                Clear filters
              </button>
            </div>
          ) : (
            <p class="empty">No links yet — create your first one above.</p>
          )
        ) : (
          <div class="table-wrap">
            <LinksTable items={pages.error && !items ? [] : items} busy={pages.busy} onChanged={pages.reload} onTag={setTag} />
          </div>
        )}
        <nav class="pager" aria-label="Pages" hidden={items?.length === 0 && pages.pageNumber === 1}>
          <button type="button" onClick={() => void pages.previous()} disabled={!pages.hasPrevious}>
            Previous
          </button>
          <span class="muted" aria-live="polite">
            Page {pages.pageNumber}
          </span>
          <button type="button" onClick={() => void pages.next()} disabled={!pages.hasNext}>
            Next
          </button>
        </nav>
      </section>
    </Page>
  );
}
