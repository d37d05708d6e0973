/** A result as a product card: photo, title, brand, price, rating, snippets with highlighted terms, and its score. */
import type { Hit } from '../types.ts';
import { Photo } from './photo.tsx';
import { SnippetText } from './snippet.tsx';
import { fmt } from '../plots/scale.ts';

const money = (price: unknown, currency: unknown) => {
  if (typeof price !== 'number') return null;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: typeof currency === 'string' && currency.length === 3 ? currency : 'USD' }).format(price);
  } catch {
    return price.toFixed(2);
  }
};

export function Card({ hit, rank, index, apiKey }: { hit: Hit; rank: number; index: string; apiKey: string }) {
  const d = hit.document ?? {};
  const title = typeof d.title === 'string' ? d.title : hit.id;
  const price = money(d.price, d.currency);
  return (
    <article class="card" data-id={hit.id} data-score={String(hit.score)} aria-label={`${rank}. ${title}`}>
      <Photo index={index} id={hit.id} image={d.image} apiKey={apiKey} alt={title} />
      <div class="card-body">
        <h3>
          <span class="rank">{rank}.</span> {title}
        </h3>
        <p class="meta">
          {d.brand ? <span class="brand">{d.brand}</span> : null}
          {price ? <span class="price">{price}</span> : null}
          {typeof d.rating === 'number' ? (
            <span class="rating" aria-label={`rated ${d.rating} of 5`}>
              {'★'.repeat(Math.round(d.rating))}
              {'☆'.repeat(5 - Math.round(d.rating))} {d.rating.toFixed(1)}
              {typeof d.review_count === 'number' ? ` (${d.review_count})` : ''}
            </span>
          ) : null}
          {d.category ? <span class="category">{d.category}</span> : null}
        </p>
        {(hit.snippets ?? []).map((s) => (
          <SnippetText snippet={s} />
        ))}
        <p class="score">
          score <span class="score-value">{fmt(hit.score, 4)}</span> · id <code>{hit.id}</code>
        </p>
      </div>
    </article>
  );
}
