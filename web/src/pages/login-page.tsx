import type { TargetedSubmitEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { auth, type AuthOptions, type Credentials, type Session } from '../api/api.ts';
import { ApiError, describeError } from '../api/http.ts';
import { Alert, SelectField, TextField } from '../components/field.tsx';
import { Page } from '../components/page.tsx';

type Errors = Record<string, string>;

function fieldErrors(error: unknown): Errors {
  if (!(error instanceof ApiError)) return {};
  return Object.fromEntries((error.problem.errors ?? []).map((e) => [e.field.split('.')[0]!, e.message]));
}

/** One sign-in attempt at a time; the server's detail (or the 429 wait) on failure. */
function useLogin(onSignedIn: (session: Session) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const submit = (credentials: Credentials) => async (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      onSignedIn(await auth.login(credentials));
    } catch (e) {
      setError(describeError(e));
      setErrors(fieldErrors(e));
      setBusy(false);
    }
  };
  return { busy, error, errors, submit };
}

function PickUser({ users, onSignedIn }: { users: string[]; onSignedIn: (session: Session) => void }) {
  const [user, setUser] = useState(users[0] ?? '');
  const { busy, error, errors, submit } = useLogin(onSignedIn);
  return (
    <form class="card form" onSubmit={submit({ user })}>
      <p class="muted">Demo mode: pick a user, no password needed.</p>
      {error && <Alert>{error}</Alert>}
      <SelectField label="User" value={user} onValue={setUser} options={users.map((u) => [u, u] as const)} error={errors.user} />
      <button type="submit" class="button-primary" disabled={busy || !user}>
        Sign in
      </button>
    </form>
  );
}

function PasswordAndKey({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [apiKey, setApiKey] = useState('');
  const byPassword = useLogin(onSignedIn);
  const byKey = useLogin(onSignedIn);
  return (
    <>
      <form class="card form" onSubmit={byPassword.submit({ name, password })}>
        {byPassword.error && <Alert>{byPassword.error}</Alert>}
        <TextField label="Username" value={name} onValue={setName} autoComplete="username" autoCapitalize="none" required error={byPassword.errors.name} />
        <TextField label="Password" type="password" value={password} onValue={setPassword} autoComplete="current-password" required error={byPassword.errors.password} />
        <button type="submit" class="button-primary" disabled={byPassword.busy}>
          Sign in
        </button>
      </form>
      <p class="or">or</p>
      <form class="card form" onSubmit={byKey.submit({ apiKey: apiKey.trim() })}>
        {byKey.error && <Alert>{byKey.error}</Alert>}
        <TextField
          label="API key"
          type="password"
          value={apiKey}
          onValue={setApiKey}
          autoComplete="off"
          spellcheck={false}
          placeholder="mlk_…"
          hint={
            <>
              A key made with <code>morphlink user create</code> or <code>morphlink key create</code>.
            </>
          }
          required
          error={byKey.errors.apiKey}
        />
        <button type="submit" disabled={byKey.busy}>
          Continue with API key
        </button>
      </form>
    </>
  );
}

export function LoginPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [options, setOptions] = useState<AuthOptions | null>(null);
  useEffect(() => {
    // Without the options (an older server), offer both credential forms.
    auth.options().then(setOptions, () => setOptions({ authMode: 'apikey', users: [] }));
  }, []);
  return (
    <main id="main" class="login">
      <p class="brand brand-login">MorphLink</p>
      <Page title="Sign in">
        {options === null ? (
          <div class="card skeleton login-skeleton" aria-busy="true" aria-label="Loading sign-in options" />
        ) : options.authMode === 'header' ? (
          <PickUser users={options.users} onSignedIn={onSignedIn} />
        ) : (
          <PasswordAndKey onSignedIn={onSignedIn} />
        )}
      </Page>
    </main>
  );
}
