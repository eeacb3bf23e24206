import type { SessionIndex } from "@cloudsession/protocol"
import { formatTime, isoTime } from "./format.ts"

/**
 * The owner's controls on one share, as plain forms (no script): delete, rotate the secret, set or clear the
 * expiry, put on or take off the public listing. Each carries the session's form token, so another site cannot
 * make the owner's browser send one.
 */
export function OwnerControls(props: { entry: SessionIndex; csrf: string }) {
  const base = `/sessions/${encodeURIComponent(props.entry.id)}`
  const token = <input type="hidden" name="csrf" value={props.csrf} />
  return (
    <div class="owner-controls meta">
      <span>
        {props.entry.expiresAt === undefined ? (
          "never expires"
        ) : (
          <>
            expires <time datetime={isoTime(props.entry.expiresAt)}>{formatTime(props.entry.expiresAt)}</time>
          </>
        )}
      </span>
      <form method="post" action={`${base}/expiry`}>
        {token}
        <input name="expiresIn" placeholder="7d, or never" maxlength={16} aria-label="Expires in" />
        <button type="submit">Set expiry</button>
      </form>
      <form method="post" action={`${base}/listed`}>
        {token}
        <input type="hidden" name="listed" value={props.entry.listed === true ? "false" : "true"} />
        <button type="submit">{props.entry.listed === true ? "Unlist" : "List publicly"}</button>
      </form>
      <form method="post" action={`${base}/secret`}>
        {token}
        <button type="submit">Rotate secret</button>
      </form>
      <form method="post" action={`${base}/delete`}>
        {token}
        <button type="submit" class="danger">
          Delete
        </button>
      </form>
    </div>
  )
}
