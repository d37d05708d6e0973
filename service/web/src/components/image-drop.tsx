/**
 * Search by picture: drop a photo on the zone or choose one (the file input is the keyboard way in); it is sent
 * as a data URL in `image`. A preview and a button to remove it.
 */
import { useRef, useState } from 'preact/hooks';

export interface PickedImage {
  dataUrl: string;
  name: string;
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('the file could not be read'));
    r.readAsDataURL(file);
  });
}

export function ImageDrop({ image, onChange }: { image: PickedImage | null; onChange: (image: PickedImage | null) => void }) {
  const [over, setOver] = useState(false);
  const [problem, setProblem] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const take = async (file: File | undefined) => {
    setProblem('');
    if (!file) return;
    if (!file.type.startsWith('image/')) {
      setProblem(`${file.name} is not an image`);
      return;
    }
    try {
      onChange({ dataUrl: await readAsDataUrl(file), name: file.name });
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div
      class={over ? 'image-drop over' : 'image-drop'}
      data-testid="image-drop"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void take(e.dataTransfer?.files[0]);
      }}
    >
      <label for="image-file">Search by picture: drop a photo here or choose one</label>
      <input id="image-file" ref={input} type="file" accept="image/*" onChange={(e) => void take(e.currentTarget.files?.[0])} />
      {image ? (
        <div class="image-picked">
          <img src={image.dataUrl} alt={`query picture ${image.name}`} />
          <button
            type="button"
            onClick={() => {
              // Also forget the chosen file, so choosing the same one again searches again.
              if (input.current) input.current.value = '';
              onChange(null);
            }}
          >
            Remove picture
          </button>
        </div>
      ) : null}
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
