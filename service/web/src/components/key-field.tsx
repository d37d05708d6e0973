/** The API key field: kept in session storage (see key.ts), sent only as a header. */
import { useState } from 'preact/hooks';

export function KeyField({ value, onChange, required }: { value: string; onChange: (key: string) => void; required: boolean }) {
  const [draft, setDraft] = useState(value);
  return (
    <form
      class="key-field"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(draft.trim());
      }}
    >
      <label for="api-key">API key</label>
      <input id="api-key" type="password" autocomplete="off" spellcheck={false} value={draft} placeholder={required ? 'required by this service' : 'not required'} onInput={(e) => setDraft(e.currentTarget.value)} aria-describedby="api-key-note" />
      <button type="submit">Use key</button>
      {value ? (
        <button
          type="button"
          onClick={() => {
            setDraft('');
            onChange('');
          }}
        >
          Forget
        </button>
      ) : null}
      <span id="api-key-note" class="note">
        {value ? 'key set for this tab' : required ? 'this service wants a key' : ''}
      </span>
    </form>
  );
}
