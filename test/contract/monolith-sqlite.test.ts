import { defineContractSuite } from './api.contract.ts';

defineContractSuite('monolith on SQLite', { db: 'sqlite', mode: 'monolith' });
