// Placeholder: this package is built in a later issue.
export {};
