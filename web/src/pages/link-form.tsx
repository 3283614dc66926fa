import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { links, type Link, type LinkInput, type RedirectType } from '../api/api.ts';
import { ApiError, describeError } from '../api/http.ts';
import { Alert, SelectField, TextField } from '../components/field.tsx';
import { fromLocalInput, toLocalInput } from '../format.ts';

interface Values {
  url: string;
  code: string;
  title: string;
  tags: string;
  expiresAt: string;
  maxClicks: string;
  password: string;
  removePassword: boolean;
  redirectType: string;
}

const FIELDS = ['url', 'code', 'title', 'tags', 'expiresAt', 'maxClicks', 'password', 'redirectType'] as const;
type Field = (typeof FIELDS)[number];
type Errors = Partial<Record<Field, string>>;
const MORE: readonly Field[] = ['expiresAt', 'maxClicks', 'password', 'redirectType'];

// Problems that name no field but clearly belong to one.
const CODE_FIELD: Record<string, Field> = { INVALID_URL: 'url', INVALID_CODE: 'code', CODE_TAKEN: 'code' };

const REDIRECTS = [['302', '302 Found (default)'], ['301', '301 Moved Permanently'], ['307', '307 Temporary Redirect'], ['308', '308 Permanent Redirect']] as const;

const initial = (link?: Link): Values => ({
  url: link?.url ?? '',
  code: '',
  title: link?.title ?? '',
  tags: link?.tags.join(', ') ?? '',
  expiresAt: link?.expiresAt ? toLocalInput(link.expiresAt) : '',
  maxClicks: link?.maxClicks?.toString() ?? '',
  password: '',
  removePassword: false,
  redirectType: String(link?.redirectType ?? 302),
});

const parseTags = (text: string) => text.split(',').map((t) => t.trim()).filter(Boolean);

/** The request body: on create what was filled in; on edit what changed, `null` clearing a field. */
function toInput(v: Values, link?: Link): LinkInput {
  const expiresAt = v.expiresAt ? fromLocalInput(v.expiresAt) : null;
  const maxClicks = v.maxClicks.trim() === '' ? null : Number(v.maxClicks);
  const title = v.title.trim() === '' ? null : v.title.trim();
  const redirectType = Number(v.redirectType) as RedirectType;
  if (!link) {
    return {
      url: v.url.trim(),
      ...(v.code.trim() && { code: v.code.trim() }),
      ...(title !== null && { title }),
      ...(v.tags.trim() && { tags: parseTags(v.tags) }),
      ...(expiresAt !== null && { expiresAt }),
      ...(maxClicks !== null && { maxClicks }),
      ...(v.password && { password: v.password }),
      ...(redirectType !== 302 && { redirectType }),
    };
  }
  const input: LinkInput = {};
  if (v.url.trim() !== link.url) input.url = v.url.trim();
  if (title !== link.title) input.title = title;
  if (parseTags(v.tags).join(',') !== link.tags.join(',')) input.tags = parseTags(v.tags);
  if (expiresAt !== (link.expiresAt && fromLocalInput(toLocalInput(link.expiresAt)))) input.expiresAt = expiresAt;
  if (maxClicks !== link.maxClicks) input.maxClicks = maxClicks;
  if (v.removePassword) input.password = null;
  else if (v.password) input.password = v.password;
  if (redirectType !== link.redirectType) input.redirectType = redirectType;
  return input;
}

function errorsOf(error: unknown): Errors {
  if (!(error instanceof ApiError)) return {};
  const errors: Errors = {};
  for (const e of error.problem.errors ?? []) {
    const field = e.field.split('.')[0] as Field;
    if (FIELDS.includes(field)) errors[field] = errors[field] ?? e.message;
  }
  const owner = CODE_FIELD[error.problem.code ?? ''];
  if (owner && !errors[owner]) errors[owner] = error.problem.detail ?? error.problem.title;
  return errors;
}

interface LinkFormProps {
  /** Absent: the create form. */
  link?: Link;
  onSaved: (link: Link) => void;
  onCancel?: () => void;
}

export function LinkForm({ link, onSaved, onCancel }: LinkFormProps) {
  const [values, setValues] = useState(() => initial(link));
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [showMore, setShowMore] = useState(Boolean(link && (link.expiresAt || link.maxClicks || link.hasPassword || link.redirectType !== 302)));
  const set = <K extends keyof Values>(key: K) => (value: Values[K]) => setValues((v) => ({ ...v, [key]: value }));

  const onSubmit = async (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (values.maxClicks.trim() !== '' && !Number.isInteger(Number(values.maxClicks))) {
      setErrors({ maxClicks: 'must be a whole number' });
      return;
    }
    setBusy(true);
    setProblem(null);
    setErrors({});
    try {
      const saved = link ? await links.update(link.code, toInput(values, link)) : await links.create(toInput(values));
      if (!link) setValues(initial());
      onSaved(saved);
    } catch (error) {
      const byField = errorsOf(error);
      setErrors(byField);
      if (MORE.some((f) => byField[f])) setShowMore(true);
      // The summary stays for what no field shows (a 429, a 500, a network failure).
      if (Object.keys(byField).length === 0) setProblem(describeError(error));
      else setProblem('Please correct the marked fields.');
    } finally {
      setBusy(false);
    }
  };

  const idPrefix = link ? 'edit' : 'create';
  return (
    <form class="link-form" onSubmit={onSubmit} noValidate aria-label={link ? `Edit ${link.code}` : 'Create a short link'}>
      {problem && <Alert>{problem}</Alert>}
      <div class="form-grid">
        <TextField label="Destination URL" type="url" inputMode="url" placeholder="https://example.com/page" value={values.url} onValue={set('url')} required error={errors.url} wide />
        {!link && <TextField label="Custom code" value={values.code} onValue={set('code')} placeholder="optional" autoCapitalize="none" spellcheck={false} error={errors.code} />}
        <TextField label="Title" value={values.title} onValue={set('title')} placeholder="optional" error={errors.title} />
        <TextField label="Tags" value={values.tags} onValue={set('tags')} placeholder="comma, separated" error={errors.tags} />
      </div>
      <button type="button" class="link-button" aria-expanded={showMore} aria-controls={`${idPrefix}-more`} onClick={() => setShowMore(!showMore)}>
        {showMore ? 'Fewer options' : 'More options'}
      </button>
      <div id={`${idPrefix}-more`} class="form-grid" hidden={!showMore}>
        <TextField label="Expires at" type="datetime-local" value={values.expiresAt} onValue={set('expiresAt')} error={errors.expiresAt} />
        <TextField label="Max clicks" type="number" min={1} inputMode="numeric" value={values.maxClicks} onValue={set('maxClicks')} error={errors.maxClicks} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          value={values.password}
          onValue={set('password')}
          hint={link?.hasPassword ? 'Leave empty to keep the current password.' : 'Visitors must type it before the redirect.'}
          error={errors.password}
          disabled={values.removePassword}
        />
        <SelectField label="Redirect type" value={values.redirectType} onValue={set('redirectType')} options={REDIRECTS} error={errors.redirectType} />
        {link?.hasPassword && (
          <label class="check">
            <input type="checkbox" checked={values.removePassword} onChange={(e) => set('removePassword')(e.currentTarget.checked)} /> Remove the password
          </label>
        )}
      </div>
      <div class="form-actions">
        <button type="submit" class="button-primary" disabled={busy}>
          {link ? 'Save' : 'Create'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
