export { freePort } from '@ratestore/server/throwaway-postgres';
