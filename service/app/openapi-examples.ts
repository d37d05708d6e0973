/**
 * The request examples of the OpenAPI document. They are meant to be run, in this order, against the demo catalog
 * (`npm start`) or a fresh index: the upsert adds `sku-1001` and `sku-1002`, the searches and reranks find them,
 * the deletes remove them. The OpenAPI test runs every one of them through a generated client.
 */

/** Path and query parameter examples (the test substitutes its own index name). */
export const PARAMETER_EXAMPLES = { name: 'products', id: 'sku-1001', head: 'intents', refresh: 'wait_for', report: 'eval-rerank-scifact', file: 'app.js' } as const;

const DISHWASHER = {
  id: 'sku-1001',
  title: 'Bosch Serie 4 quiet dishwasher',
  description: 'Runs at 42 dB, quieter than a whisper, with a third rack and a 4-hour eco programme.',
  brand: 'Bosch',
  category: 'appliances/kitchen/dishwashers',
  price: 549,
  currency: 'USD',
  rating: 4.6,
  review_count: 820,
  release_date: '2025-03-01',
  attributes: { energy_class: 'B', noise_db: 42 },
  reviews: ['So quiet I check whether it is running.'],
};

const FRIDGE = {
  id: 'sku-1002',
  title: 'Acme fridge freezer with a quiet compressor',
  description: 'A 300 litre fridge freezer; the inverter compressor keeps it at 36 dB.',
  brand: 'Acme',
  category: 'appliances/kitchen/fridges',
  price: 899,
  currency: 'USD',
  rating: 4.2,
  review_count: 150,
  release_date: '2024-06-15',
  location: { lat: 52.52, lon: 13.405 },
};

type Examples = Record<string, { summary: string; value: unknown }>;

export const REQUEST_EXAMPLES = {
  upsertDocuments: {
    two_products: { summary: 'Add or replace two products, visible to search on return', value: { documents: [DISHWASHER, FRIDGE], refresh: 'wait_for' } },
  },
  search: {
    filtered: {
      summary: 'Hybrid search with filters, reranked and explained',
      value: { query: 'quiet dishwasher under $800', filters: { category: 'appliances/kitchen', rating: { gte: 4 }, release_date: { gte: '2024-01-01' } }, top_k: 5, explain: true, snippets: 1 },
    },
    first_stage: { summary: 'The fused first stage only (no reranking)', value: { query: 'fridge freezer', rerank: false, top_k: 3 } },
    weights: { summary: 'Reranker weights for this request', value: { query: 'quiet kitchen appliance', top_k: 3, rerank: { weights: { rating: 0.2, recency: 0 } } } },
  },
  rerank: {
    cohere_strings: {
      summary: 'Cohere v1: strings, top_n, return_documents',
      value: { model: 'rerank-v3.5', query: 'quiet dishwasher', documents: ['A loud blender for smoothies', 'Quiet dishwasher at 42 dB', 'Dishwasher tablets, 100 pack'], top_n: 2, return_documents: true },
    },
    cohere_objects: {
      summary: 'Cohere v1: objects ranked on text; catalog fields feed the metadata signals',
      value: {
        query: 'quiet dishwasher under $600',
        documents: [
          { text: 'Quiet dishwasher, 42 dB, third rack', price: 549, rating: 4.6, review_count: 820 },
          { text: 'Premium silent dishwasher, 38 dB', price: 1499, rating: 4.8 },
          { text: 'Countertop dishwasher for small kitchens', price: 329 },
        ],
        rank_fields: ['text'],
        return_documents: true,
        max_chunks_per_doc: 10,
      },
    },
    by_id: { summary: 'Stored documents by id (default index), explained', value: { query: 'quiet dishwasher', ids: ['sku-1001', 'sku-1002'], explain: true } },
    elasticsearch_inference: { summary: 'The Elasticsearch inference rerank shape', value: { query: 'quiet dishwasher', input: ['loud blender', 'quiet dishwasher at 42 dB'] } },
  },
  rerankV2: {
    cohere_v2: {
      summary: 'Cohere v2: strings, top_n, max_tokens_per_doc',
      value: {
        model: 'rerank-v3.5',
        query: 'Which dishwasher is quiet?',
        documents: ['This dishwasher runs at 42 dB.', 'A blender with a 1200 W motor.', 'The fridge has a quiet inverter compressor.'],
        top_n: 2,
        max_tokens_per_doc: 512,
      },
    },
    by_id: { summary: 'Stored documents by id, with snippets', value: { query: 'quiet', ids: ['sku-1001', 'sku-1002'], snippets: 1 } },
  },
  classify: {
    intents: { summary: 'Two texts with a classify head named in the path', value: { texts: ['I forgot my card PIN', 'Where is my new card?'], top_k: 2 } },
    threshold: { summary: "A stricter threshold than the head's for this request (abstains more often)", value: { texts: ['I forgot my card PIN', 'What is the weather tomorrow?'], threshold: 0.95 } },
  },
  deleteDocuments: { one: { summary: 'Delete by id', value: { ids: ['sku-1002'], refresh: 'wait_for' } } },
} satisfies Record<string, Examples>;
