import { expectType } from 'tsd';
import { Ratestore, type RatesResult } from '@ratestore/core';

const store = new Ratestore({ location: './data' });
expectType<Promise<RatesResult>>(store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-31', origin: 'CNSGH', destination: 'north_europe_main' }));
