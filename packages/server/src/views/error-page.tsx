import { Layout } from "./layout.tsx"

type ErrorPageProps = { nonce: string; status: number; heading: string; message: string }

/** 404 for unknown or malformed share ids, 400 for a bad list query: a page, not a stack trace. */
export function ErrorPage(props: ErrorPageProps) {
  return (
    <Layout title={`${props.status} · cloudsession`} nonce={props.nonce}>
      <section class="empty">
        <h1>{props.heading}</h1>
        <p>{props.message}</p>
        <p>
          <a href="/sessions">All shared sessions</a>
        </p>
      </section>
    </Layout>
  )
}
