// The coarse topic taxonomy newsflow tags articles with, and how the labels of the public
// training sets map onto it. models/MODEL_CARD.md explains the choices.

export const TAXONOMY = [
  'world',
  'politics',
  'business',
  'technology',
  'science',
  'health',
  'sports',
  'entertainment',
  'lifestyle',
] as const;

export type TaxonomyLabel = (typeof TAXONOMY)[number];

/** BBC News (Greene & Cunningham 2006) labels. */
export const BBC_TO_TAXONOMY: Readonly<Record<string, TaxonomyLabel>> = {
  business: 'business',
  entertainment: 'entertainment',
  politics: 'politics',
  sport: 'sports',
  tech: 'technology',
};

/** AG News labels. AG's Sci/Tech is overwhelmingly technology news, so it trains `technology`. */
export const AG_TO_TAXONOMY: Readonly<Record<string, TaxonomyLabel>> = {
  World: 'world',
  Sports: 'sports',
  Business: 'business',
  'Sci/Tech': 'technology',
};

/**
 * Map a taxonomy prediction back onto AG's four labels for evaluation. `politics` folds into
 * World (AG files international politics there); `entertainment` has no AG counterpart and is
 * scored as an error (null).
 */
export const TAXONOMY_TO_AG: Readonly<Record<string, string | null>> = {
  world: 'World',
  politics: 'World',
  business: 'Business',
  technology: 'Sci/Tech',
  science: 'Sci/Tech',
  health: null,
  sports: 'Sports',
  entertainment: null,
  lifestyle: null,
};

/** Map a taxonomy prediction back onto BBC's five labels; `world` has no BBC counterpart. */
export const TAXONOMY_TO_BBC: Readonly<Record<string, string | null>> = {
  world: null,
  politics: 'politics',
  business: 'business',
  technology: 'tech',
  science: 'tech',
  health: null,
  sports: 'sport',
  entertainment: 'entertainment',
  lifestyle: null,
};
