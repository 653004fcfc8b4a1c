export * from './spec.js';
export * from './lab.js';
