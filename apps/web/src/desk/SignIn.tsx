import { SignInForm } from '../shared/SignInForm';
import { useSession } from './hooks';

const WORDING = {
  provider: 'signin.provider',
  tokenHint: 'signin.hint',
  token: 'signin.token',
  pasteFirst: 'signin.pasteFirst',
};

export function SignIn() {
  const session = useSession();
  return (
    <SignInForm
      auth={session.auth}
      wording={WORDING}
      progress={session.signinProgress}
      error={session.signinError}
      onToken={(token) => session.signIn(token, true)}
    />
  );
}
