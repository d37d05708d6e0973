/** The defaults the service writes into the page (`<script id="strata-config">`): never a key. */
export interface Boot {
  index: string;
  window: number;
  signals: string[];
  weights: Record<string, number>;
  /** Whether the service wants API keys. */
  auth: boolean;
}

const FALLBACK: Boot = { index: 'products', window: 100, signals: ['relevance'], weights: { relevance: 1 }, auth: false };

/**
 * Reads the boot JSON from the page (the fallback keeps the page usable if it is missing).
 *
 * @example const { index, weights } = readBoot();
 */
export function readBoot(doc: Document = document): Boot {
  try {
    const raw = JSON.parse(doc.getElementById('strata-config')?.textContent ?? '{}') as Partial<Boot>;
    return { ...FALLBACK, ...raw };
  } catch {
    return FALLBACK;
  }
}
