import { describe, expect, it } from 'vitest';
import { Ratestore } from '../src/index.js';
import { backends } from './backends.js';

for (const makeBackend of backends) {
  const backend = makeBackend();
  describe(`smoke on ${backend.name}`, () => {
    it('commits a batch and reads a region rollup', async () => {
      const store = new Ratestore({ db: backend.create() });
      await store.open();
      await store.write([
        { type: 'region', slug: 'asia', name: 'Asia' },
        { type: 'port', code: 'CNSGH', name: 'Shanghai', region: 'asia' },
        { type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'asia' },
        { origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: 100 },
        { origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: 200 },
        { origin: 'NLRTM', destination: 'CNSGH', day: '2016-01-01', price: 600 }
      ]);
      const { rows } = await store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-01', origin: 'asia', destination: 'asia' });
      expect(rows).toEqual([{ day: '2016-01-01', average: 300, count: 3, min: 100, max: 600 }]);
      await store.close();
      backend.cleanup();
    });
  });
}
