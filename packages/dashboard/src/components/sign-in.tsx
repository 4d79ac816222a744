import { useSignal } from '@preact/signals';

/** The token form: paste, sign in; a refusal is said plainly above the field. */
export function SignIn({ problem, busy, onSubmit }: { problem: string | null; busy: boolean; onSubmit: (token: string) => void }) {
  const token = useSignal('');
  const submit = (event: Event) => {
    event.preventDefault();
    if (token.value.trim()) onSubmit(token.value);
  };
  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <h1>activityd</h1>
        <p id="sign-in-help">Paste an access token to watch and steer activities. <code>npm start</code> prints the admin token on first start; <code>activityd tokens create</code> makes more.</p>
        {problem && <p class="problem" role="alert">{problem}</p>}
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} autoFocus
          value={token.value} onInput={(e) => (token.value = e.currentTarget.value)} />
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        <p class="hint">The token stays in this tab only (session storage). A link with <code>?token=</code> signs in once and the token leaves the address bar.</p>
      </form>
    </main>
  );
}
