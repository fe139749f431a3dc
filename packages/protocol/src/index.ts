export * from './errors.js';
export * from './messages.js';
export * from './money.js';
export * from './secret.js';
export * from './signing.js';
export * from './time.js';
