import { MemoryStore } from '../src/index.js';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('MemoryStore', async (options = {}) => ({
  store: new MemoryStore(options),
  cleanup: async () => {},
}));
