// The Westward API: generated types, names, durations and defaults.
export * from './generated/index.ts';
export * from './constants.ts';
export * from './duration.ts';
export * from './defaults.ts';
export type * from './meta.ts';
