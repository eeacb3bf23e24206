import { Layout } from "./layout.tsx"

type SignInProps = { nonce: string; next: string; error?: string }

/**
 * Where the owner pastes a bearer token once; the answer is a session cookie, so the token is not kept in the
 * browser. Listings are the owner's: everyone else only ever reaches a share through its own link.
 */
export function SignInPage(props: SignInProps) {
  return (
    <Layout title="Sign in · cloudsession" nonce={props.nonce}>
      <section class="signin">
        <h1>Sign in</h1>
        <p>Shares are private to their links. The list of shares is for the server's owner: paste one of its tokens.</p>
        {props.error === undefined ? null : (
          <p class="error" role="alert">
            {props.error}
          </p>
        )}
        <form method="post" action="/signin">
          <input type="hidden" name="next" value={props.next} />
          <input
            type="password"
            name="token"
            autocomplete="current-password"
            required
            maxlength={512}
            placeholder="Bearer token (from RPC_TOKENS)"
            aria-label="Bearer token"
          />
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Layout>
  )
}
