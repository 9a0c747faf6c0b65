export * from './media-type.js';
export * from './accept.js';
export * from './body-parsers.js';
export * from './xml-writer.js';
