import { defineContractSuite } from './api.contract.ts';

defineContractSuite('monolith on PostgreSQL', { db: 'postgres', mode: 'monolith' });
