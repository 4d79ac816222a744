import { signal } from '@preact/signals';
import { render } from 'preact';
import { Dashboard } from './components/dashboard.js';
import { SignIn } from './components/sign-in.js';
import { DashboardModel } from './dashboard-model.js';
import { signIn, signOut, storedToken, takeTokenFromUrl } from './session.js';
import './styles.css';

const model = signal<DashboardModel | null>(null);
const problem = signal<string | null>(null);
const busy = signal(false);

async function trySignIn(token: string): Promise<void> {
  busy.value = true;
  try {
    const session = await signIn(token);
    problem.value = null;
    model.value = new DashboardModel(session, (reason) => leave(reason));
  } catch (error) {
    signOut();
    problem.value = error instanceof Error ? error.message : String(error);
  } finally {
    busy.value = false;
  }
}

function leave(reason: string | null): void {
  signOut();
  model.value = null;
  problem.value = reason;
}

function App() {
  const current = model.value;
  if (current) return <Dashboard model={current} onSignOut={() => leave(null)} />;
  return <SignIn problem={problem.value} busy={busy.value} onSubmit={(token) => void trySignIn(token)} />;
}

const first = takeTokenFromUrl() ?? storedToken();
if (first) void trySignIn(first);
render(<App />, document.getElementById('app')!);
