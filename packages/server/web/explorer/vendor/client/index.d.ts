// The server answers `explorer/vendor/client/*.js` with @ratestore/client's own build
// (packages/client/dist, the browser-safe remote client); these are its types.
export * from '@ratestore/client';
