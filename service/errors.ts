/**
 * The error catalogue: every error the project raises on purpose has a code, an HTTP status and a message
 * template. Handlers throw `StrataError`; the app's `onError` alone turns it into
 * `{ "error": { "code", "message", "details" } }`; the CLI prints the message and exits non-zero.
 *
 * @example
 *   throw strataError('es_unavailable', { url: 'http://127.0.0.1:9200', reason: 'ECONNREFUSED' });
 */
export const ERRORS = {
  validation: { status: 400, message: 'Invalid request: {summary}' },
  unknown_filter_field: { status: 400, message: 'Unknown filter field "{field}"' },
  not_found: { status: 404, message: '{what} not found' },
  payload_too_large: { status: 413, message: 'Payload too large: {reason}' },
  unauthorized: { status: 401, message: 'Missing or invalid API key' },
  forbidden: { status: 403, message: '{reason}' },
  queue_full: { status: 503, message: 'The encoder pool queue is full ({size} waiting); retry shortly' },
  overloaded: { status: 503, message: 'The service is busy ({limit} requests in flight, STRATA_MAX_IN_FLIGHT); retry shortly' },
  pool_time_exceeded: {
    status: 504,
    message: 'The request used {used} ms of encoder time, over the limit of {limit} ms per request (STRATA_POOL_REQUEST_MS); send fewer or shorter documents',
  },
  unsupported_media_type: { status: 415, message: '{reason}' },
  cross_origin: { status: 403, message: '{reason}' },
  alias_conflict: { status: 409, message: '{reason}' },
  model_corrupt: { status: 500, message: 'Model file {file} does not match its manifest ({reason}); prepare or convert the model again' },
  aborted: { status: 499, message: 'The request was aborted' },
  es_unavailable: { status: 502, message: 'Elasticsearch is not reachable at {url} ({reason}). Start it with `strata es start`.' },
  es_timeout: { status: 504, message: 'Elasticsearch at {url} did not answer in time ({reason})' },
  es_error: { status: 502, message: 'Elasticsearch error: {reason}' },
  dimension_mismatch: { status: 409, message: '{reason}' },
  model_error: { status: 500, message: 'Model error in {file}: {reason}' },
  model_unsupported: { status: 400, message: 'Unsupported architecture "{architecture}" in {file}; supported: {supported}' },
  model_missing: { status: 404, message: 'Model files missing in {dir}: {missing}. {hint}' },
  model_download_failed: { status: 502, message: 'Downloading {url} failed: {reason}' },
  model_checksum_mismatch: { status: 502, message: 'Checksum mismatch for {file}: expected {algorithm} {expected}, got {actual}' },
  bad_input_file: { status: 400, message: '{reason}' },
  internal: { status: 500, message: 'Internal error: {reason}' },
  no_jdk: { status: 500, message: 'No JDK >= {min} found ({reason}); set ES_JAVA_HOME to a JDK {min} or newer' },
  es_download_failed: { status: 502, message: 'Downloading Elasticsearch from {url} failed: {reason}' },
  download_failed: { status: 502, message: 'Downloading {url} failed: {reason}' },
  es_setup_failed: { status: 500, message: 'Preparing the local Elasticsearch failed: {reason}' },
  es_port_taken: { status: 409, message: 'Port {port} on {host} is already in use by another process ({reason})' },
  es_start_failed: { status: 500, message: 'Elasticsearch did not start: {reason}' },
  es_stop_failed: { status: 500, message: 'Elasticsearch did not stop: {reason}' },
  es_plugin_failed: { status: 500, message: 'Elasticsearch plugin {plugin}: {reason}' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class StrataError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'StrataError';
  }
}

/**
 * The field list of a validation error raised with a summary only: `"field.path: what"` names its field, any
 * other summary is about the body as a whole. So every validation error carries `details.issues`.
 *
 * @example issuesFromSummary('image: not base64') // [{ path: 'image', message: 'not base64' }]
 */
export function issuesFromSummary(summary: string): Array<{ path: string; message: string }> {
  const m = /^([\w.\-[\]"]+|\(body\)): (.+)$/s.exec(summary);
  return m ? [{ path: m[1]!, message: m[2]! }] : [{ path: '(body)', message: summary }];
}

/** Builds a catalogued error, filling `{name}` placeholders in the template from `params`. */
export function strataError(code: ErrorCode, params: Record<string, unknown> = {}, details?: unknown): StrataError {
  const { status, message } = ERRORS[code];
  const text = message.replace(/\{(\w+)\}/g, (_, k: string) => (k in params ? String(params[k]) : `{${k}}`));
  const withIssues =
    code === 'validation' && (details === undefined || (typeof details === 'object' && details !== null && !('issues' in details)))
      ? { ...(details as object | undefined), issues: issuesFromSummary(String(params.summary ?? '')) }
      : details;
  return new StrataError(code, text, status, withIssues);
}
