/** An API error as the API said it: status, code, message and details, announced to screen readers. */
import { ApiError } from '../api.ts';

export function ErrorBox({ error, context }: { error: unknown; context?: string }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  return (
    <div class="error" role="alert" data-status={e?.status ?? ''} data-code={e?.code ?? ''}>
      {context ? <span class="error-context">{context}: </span> : null}
      {e ? (
        <>
          <strong>
            {e.status ? `HTTP ${e.status} ` : ''}
            {e.code}
          </strong>{' '}
          <span class="error-message">{e.message}</span>
          {e.details !== undefined ? <pre class="error-details">{JSON.stringify(e.details, null, 2)}</pre> : null}
        </>
      ) : (
        <span class="error-message">{error instanceof Error ? error.message : String(error)}</span>
      )}
    </div>
  );
}
