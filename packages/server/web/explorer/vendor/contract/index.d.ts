// The server answers `explorer/vendor/contract/*.js` with @ratestore/core's contract, as built
// (packages/core/dist/contract, dependency-free); these are its types.
export * from '@ratestore/core/contract';
