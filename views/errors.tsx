/** Friendly error content; the status and request id come from the Worker's onError. */
export function ErrorView({
  status,
  title,
  message,
  requestId,
}: {
  status: number;
  title: string;
  message: string;
  requestId?: string | undefined;
}) {
  return (
    <section class="error-page" role={status >= 500 ? 'alert' : undefined}>
      <h1>{title}</h1>
      <p>{message}</p>
      {requestId ? (
        <p class="muted">
          Request id: <code>{requestId}</code>
        </p>
      ) : null}
      <p>
        <a href="/">Home</a> · <a href="/bugs">All bugs</a>
      </p>
    </section>
  );
}
