/**
 * A product photo: a catalog URL is loaded by the browser; a local file is fetched as a thumbnail from the service
 * with the key in the header (an <img src> could not carry it) and shown from a blob URL.
 */
import { useEffect, useState } from 'preact/hooks';
import { fetchOk } from '../api.ts';

export function Photo({ index, id, image, apiKey, alt }: { index: string; id: string; image: unknown; apiKey: string; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const ref = typeof image === 'string' ? image.trim() : '';
  const isUrl = /^(https?:|data:image\/)/i.test(ref);
  const isLocal = !isUrl && (/^file:/i.test(ref) || ref.startsWith('/'));
  useEffect(() => {
    setFailed(false);
    if (!isLocal) {
      setSrc(isUrl ? ref : null);
      return;
    }
    const ctl = new AbortController();
    let url: string | null = null;
    fetchOk(`/v1/indices/${encodeURIComponent(index)}/documents/${encodeURIComponent(id)}/photo`, { key: apiKey, signal: ctl.signal })
      .then((res) => res.blob())
      .then((blob) => {
        url = URL.createObjectURL(blob);
        setSrc(url);
      })
      .catch(() => !ctl.signal.aborted && setFailed(true));
    return () => {
      ctl.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [index, id, ref, apiKey]);
  // No photo in the catalog: no empty frame either (the card's text takes the room).
  if (!ref || (!isUrl && !isLocal)) return null;
  if (failed) return <div class="photo none" title="photo not available" aria-hidden="true" />;
  return src ? <img class="photo" src={src} alt={alt} loading="lazy" onError={() => setFailed(true)} /> : <div class="photo loading" aria-hidden="true" />;
}
